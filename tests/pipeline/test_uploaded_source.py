"""An uploaded SAE built into an overlay pack over the tiny model pack's corpus: a valid pack
whose records hold the SAE's own activations, and the refusals of SAEs the model cannot run."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import torch

from inference_client.engine import load_pack_model, load_sae
from pipeline.features import iter_chunks
from pipeline.pack import (
    load_corpus_tokens,
    load_explanations,
    load_features,
    read_pack,
    record_values,
)
from pipeline.records import KIND_TOP
from pipeline.sae_upload import UploadError
from pipeline.uploaded_source import build_uploaded_source, corpus_prefix
from tests.inference.model_pack import (
    D_MODEL,
    MODEL_SLUG,
    write_model_pack,
    write_topk_sae,
)

pytestmark = pytest.mark.slow  # loads a model and fits a UMAP

HOOK = "blocks.0.hook_resid_post"
SLUG = "0-res-upload"
WIDTH, K = 24, 4


def save_topk_sae(directory: Path, *, d_in: int = D_MODEL, hook: str = HOOK, seed: int = 1) -> Path:
    return write_topk_sae(directory, d_in=d_in, d_sae=WIDTH, k=K, hook=hook, seed=seed)


@pytest.fixture(scope="module")
def model_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_model_pack(tmp_path_factory.mktemp("upload") / "pack", with_corpus=True)


@pytest.fixture(scope="module")
def built(model_pack: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("overlay")
    calls: list[tuple[str, float]] = []
    start = time.perf_counter()
    meta = build_uploaded_source(model_pack, save_topk_sae(root / "upload"), slug=SLUG, out=root / SLUG,
                                 progress=lambda stage, fraction: calls.append((stage, fraction)))
    print(f"build_uploaded_source on the tiny pack: {time.perf_counter() - start:.1f} s")
    return {"meta": meta, "out": root / SLUG, "calls": calls}


def test_the_overlay_is_a_pack_of_one_source_for_the_model_packs_model_and_corpus(model_pack: Path, built: dict) -> None:
    out, base = built["out"], read_pack(model_pack)
    meta = read_pack(out)
    assert (meta.model, meta.corpus, meta.window) == (base.model, base.corpus, base.window)
    assert meta.raw["created_by"] == "upload" and meta.raw["quantile_bins"] == 10
    assert meta.raw["model_pack"] == base.name and meta.raw["tokens_read"] == base.corpus["n_tokens"]
    [source] = meta.sources
    assert (source.slug, source.kind, source.layer, source.hook_point, source.width, source.architecture,
            source.weights_path) == (SLUG, "sae", 0, HOOK, WIDTH, "topk", f"saes/{SLUG}")
    assert {"fvu", "l0", "alive_fraction", "alive_fraction_corpus"} <= set(source.metrics)
    assert 0 < source.metrics["l0"] <= K
    for name in ("vocab.json", "corpus_tokens.npy"):
        assert (out / name).read_bytes() == (model_pack / name).read_bytes()
    assert np.load(out / "maps" / f"{SLUG}.npy").shape == (WIDTH, 2)
    assert (out / "README.md").is_file() and not out.with_name(out.name + ".building").exists()
    assert load_sae(out / source.weights_path, "cpu").cfg.d_sae == WIDTH


def test_top_records_hold_the_saes_activations_on_their_tokens(model_pack: Path, built: dict) -> None:
    out = built["out"]
    arrays = load_features(out, SLUG)  # validates every array
    tokens = np.asarray(load_corpus_tokens(out))
    model, _ = load_pack_model(model_pack, read_pack(model_pack).model, "cpu")
    sae = load_sae(out / "saes" / SLUG, "cpu")
    # Every token as the scan saw it: in the context of the chunk that kept it, BOS not text.
    expected = np.zeros((len(tokens), WIDTH), dtype=np.float32)
    n_ctx = model.cfg.n_ctx
    with torch.no_grad():
        for ctx, keep_s, keep_e in iter_chunks(len(tokens), n_ctx, 32):
            _, cache = model.run_with_cache(torch.from_numpy(tokens[ctx:ctx + n_ctx].astype(np.int64))[None])
            x = cache[HOOK][0, keep_s - ctx:keep_e - ctx]
            pre = (x - sae.b_dec) @ sae.W_enc + sae.b_enc
            top = pre.topk(K, dim=-1)
            expected[keep_s:keep_e] = torch.zeros_like(pre).scatter(-1, top.indices, top.values.relu()).numpy()
    expected[tokens == tokens[0]] = 0
    live = np.flatnonzero(arrays["max_activation"] > 0)
    assert len(live) > WIDTH // 2
    np.testing.assert_allclose(arrays["max_activation"], expected.max(axis=0), rtol=1e-4, atol=1e-5)
    checked = 0
    for r in np.flatnonzero(arrays["rec_kind"] == KIND_TOP):
        f, start, length = int(arrays["rec_feature"][r]), int(arrays["rec_start"][r]), int(arrays["rec_length"][r])
        np.testing.assert_allclose(record_values(arrays, r), expected[start:start + length, f], rtol=1e-4, atol=1e-5)
        assert record_values(arrays, r).max() == pytest.approx(float(arrays["rec_max"][r]), rel=1e-5)
        checked += 1
    assert checked >= len(live)


def test_baseline_explanations_are_written_for_live_features(built: dict) -> None:
    rows = load_explanations(built["out"], SLUG)
    assert rows and all(0 <= row["index"] < WIDTH and row["text"] and row["author_model"] for row in rows)


def test_progress_goes_from_loading_to_done_without_going_back(built: dict) -> None:
    calls = built["calls"]
    stages = [stage for stage, _ in calls]
    assert stages[0] == "loading" and calls[-1] == ("done", 1.0)
    assert list(dict.fromkeys(stages)) == ["loading", "measuring", "extracting", "writing", "mapping", "done"]
    assert stages.count("extracting") >= 2
    fractions = [fraction for _, fraction in calls]
    assert fractions == sorted(fractions) and 0 <= fractions[0] and fractions[-1] == 1.0


@pytest.mark.parametrize(("kwargs", "field", "words"), [
    ({"hook": "blocks.3.hook_resid_post"}, "cfg", ["blocks.3.hook_resid_post", "blocks.0.hook_resid_post"]),
    ({"hook": "blocks.0.hook_nonsense"}, "cfg", ["blocks.0.hook_nonsense", MODEL_SLUG]),
    ({"d_in": D_MODEL + 1}, "cfg", [f"d_in is {D_MODEL + 1}", f"{D_MODEL} wide"]),
])
def test_an_sae_the_model_cannot_run_is_refused_saying_why(model_pack: Path, tmp_path: Path, kwargs: dict,
                                                           field: str, words: list[str]) -> None:
    with pytest.raises(UploadError) as refused:
        build_uploaded_source(model_pack, save_topk_sae(tmp_path / "sae", **kwargs), slug="bad", out=tmp_path / "out")
    assert refused.value.field == field
    assert all(word in refused.value.message for word in words), refused.value.message
    assert not (tmp_path / "out").exists()


def test_unloadable_weights_and_bad_names_are_refused(model_pack: Path, tmp_path: Path) -> None:
    sae_dir = save_topk_sae(tmp_path / "sae")
    with pytest.raises(UploadError) as refused:
        build_uploaded_source(model_pack, sae_dir, slug="0-res-topk", out=tmp_path / "out")  # the pack's own
    assert refused.value.field == "slug"
    with pytest.raises(UploadError) as refused:
        build_uploaded_source(model_pack, sae_dir, slug="../x", out=tmp_path / "out")
    assert refused.value.field == "slug"
    (sae_dir / "sae_weights.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(UploadError) as refused:
        build_uploaded_source(model_pack, sae_dir, slug="fine", out=tmp_path / "out")
    assert refused.value.field == "weights"


def test_corpus_prefix_cuts_at_a_document_start() -> None:
    tokens = np.array([0, 5, 6, 7, 0, 8, 9, 0, 4, 4, 4], dtype=np.int32)
    starts, end = corpus_prefix(tokens, 0, None)
    assert starts.tolist() == [0, 4, 7] and end == 11
    assert corpus_prefix(tokens, 0, 8)[1] == 7 and corpus_prefix(tokens, 0, 8)[0].tolist() == [0, 4]
    assert corpus_prefix(tokens, 0, 7)[1] == 7
    starts, end = corpus_prefix(tokens, 0, 3)  # the first document alone is longer: cut short
    assert starts.tolist() == [0] and end == 3
    with pytest.raises(ValueError):
        corpus_prefix(tokens[1:], 0, None)
