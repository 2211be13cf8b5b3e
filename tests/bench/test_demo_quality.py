"""bench/demo_quality.py's definitions, on hand-written tiny packs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bench.demo_quality import (
    NO_CORPUS_DOCS_NOTE, document_starts, format_table, measure_pack, record_documents, validation_tokens,
)
from pipeline.pack import PackError, read_pack, validate_features, write_features
from pipeline.records import KIND_QUANTILE, KIND_RANDOM, KIND_TOP
from tests.tiny_pack import _features, write_tiny_pack

VOCAB = ["<|bos|>", "cat", "Cat", " cat", " dog", " the", " mat", "\n", "def", " x"]
BOS, CAT, CAT_UP, SP_CAT, DOG, THE, MAT, NL, DEF, X = range(len(VOCAB))
# document 0 (prose) at 0..10, document 1 (code) at 11..25
DOC0 = [BOS, CAT, THE, CAT_UP, THE, SP_CAT, THE, DOG, THE, MAT, THE]
DOC1 = [BOS, DEF, X, SP_CAT, NL, DOG, X, MAT, NL, CAT, X, X, X, X, X]
CORPUS = np.array(DOC0 + DOC1, dtype=np.int32)

# (feature, kind, peak position in the corpus, held out, unseen)
RECORDS = [
    # feature 0: peaks on "cat", "Cat", " cat" -> ONE string: a token feature; 3 prose clues
    (0, KIND_TOP, 1, False, False), (0, KIND_TOP, 3, False, False), (0, KIND_TOP, 5, False, False),
    (0, KIND_TOP, 14, True, False),  # held out (scoring): not a clue, not counted as code
    (0, KIND_QUANTILE, 16, False, False),
    # feature 1: " cat", " dog", "def" -> three strings: contextual; 3 code clues
    (1, KIND_TOP, 14, False, False), (1, KIND_TOP, 16, False, False), (1, KIND_TOP, 12, False, False),
    (1, KIND_TOP, 7, True, False),  # held out, prose
    (1, KIND_TOP, 9, False, True),  # unseen (" mat", prose): not a clue where rec_unseen exists
    # feature 2: " dog", " dog", " mat" -> two strings: a token feature; 2 prose clues of 3
    (2, KIND_TOP, 7, False, False), (2, KIND_TOP, 16, False, False), (2, KIND_TOP, 9, False, False),
    # feature 3: dead (random records only)
    (3, KIND_RANDOM, 20, False, False),
]


def _arrays(with_unseen: bool = True) -> dict[str, np.ndarray]:
    arrays = _features(4, np.random.default_rng(0), 1.0)  # per-feature arrays of the tiny pack
    arrays["frac_nonzero"] = np.array([0.01, 0.5, 0.05, 0.0], dtype=np.float32)  # feature 1 is dense
    arrays["max_activation"] = np.array([3.0, 2.0, 1.0, 0.0], dtype=np.float32)
    n = len(RECORDS)
    starts = [max(1 if p < len(DOC0) else len(DOC0) + 1, p - 1) for _, _, p, _, _ in RECORDS]  # after the BOS
    arrays.update({
        "rec_feature": np.array([r[0] for r in RECORDS], dtype=np.int32),
        "rec_kind": np.array([r[1] for r in RECORDS], dtype=np.uint8),
        "rec_rank": np.arange(n, dtype=np.int32), "rec_bin": np.full(n, -1, dtype=np.int16),
        "rec_start": np.array(starts, dtype=np.int64), "rec_length": np.full(n, 3, dtype=np.int32),
        "rec_max": np.ones(n, dtype=np.float32),
        "rec_max_pos": np.array([p - s for (_, _, p, _, _), s in zip(RECORDS, starts)], dtype=np.int32),
        "rec_duplicates": np.zeros(n, dtype=np.int32),
        "rec_held_out": np.array([r[3] for r in RECORDS], dtype=bool),
        "rec_nz_ptr": np.arange(n + 1, dtype=np.int64),
        "nz_pos": np.array([p - s for (_, _, p, _, _), s in zip(RECORDS, starts)], dtype=np.uint16),
        "nz_val": np.ones(n, dtype=np.float32),
    })
    if with_unseen:
        arrays["rec_unseen"] = np.array([r[4] for r in RECORDS], dtype=bool)
    return arrays


def _save_features(path: Path, arrays: dict[str, np.ndarray], width: int) -> None:
    """Every array as given, `rec_unseen` included where present (older packs lack it)."""
    validate_features(arrays, width)
    np.savez_compressed(path, **arrays)


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    """The test helpers' tiny pack, with its corpus, vocabulary and records replaced by the ones
    above (two documents) and held-out figures in its metrics, so no model is needed."""
    path = write_tiny_pack(tmp_path / "tiny")
    (path / "vocab.json").write_text(json.dumps(VOCAB))
    np.save(path / "corpus_tokens.npy", CORPUS)
    meta = json.loads((path / "pack.json").read_text())
    meta["corpus"].update({"name": "tiny-corpus", "n_docs": 2, "n_tokens": len(CORPUS), "n_validation_docs": 1})
    for s in meta["sources"]:
        s["metrics"] = {"alive_fraction": 0.75, **({"fvu": 0.2, "l0": 3.0} if s["kind"] == "sae" else {})}
        _save_features(path / s["features"], _arrays(with_unseen=s["kind"] == "sae"), s["width"])
    (path / "pack.json").write_text(json.dumps(meta))
    return path


def _write_docs(pack: Path) -> None:
    (pack / "corpus_docs.json").write_text(json.dumps({
        "sources": {"novels": {"kind": "prose", "licence": "PD"}, "python": {"kind": "code", "licence": "PSF"}},
        "doc_source": ["novels", "python"]}))


def test_documents_are_found_by_binary_search_over_the_bos_offsets() -> None:
    starts = document_starts(CORPUS)
    assert starts.tolist() == [0, len(DOC0)]
    assert record_documents(np.array([0, 1, 10, 11, 12, 25]), starts).tolist() == [0, 0, 0, 1, 1, 1]


def test_record_figures_follow_the_definitions(pack: Path) -> None:
    _write_docs(pack)
    result = measure_pack(pack)
    for slug, row in result["sources"].items():  # the neurons' file has no rec_unseen: same figures
        assert row["dead"] == 0.25 and row["dense"] == 0.25 and row["n_features_live"] == 3, slug
        # feature 1 (three strings) is contextual; 0 ("cat"/"Cat"/" cat") and 2 (" dog", " mat") are not
        assert row["contextual_share"] == pytest.approx(1 / 3, abs=1e-4)
        assert row["token_share"] == pytest.approx(2 / 3, abs=1e-4)
    # clues: feature 0 -> 3 prose, feature 1 -> 3 code, feature 2 -> 2 prose + 1 code; the held-out
    # records are not clues; the unseen one (prose) counts only where rec_unseen is absent
    assert result["sources"]["0-res-sae"]["prose_clue_share"] == pytest.approx(5 / 9, abs=1e-4)
    assert result["sources"]["0-mlp"]["prose_clue_share"] == pytest.approx(6 / 10, abs=1e-4)
    assert result["prose_clue_share"] == pytest.approx(11 / 19, abs=1e-4)
    assert result["corpus"] == {"novels": {"kind": "prose", "share_of_tokens": round(11 / 26, 4)},
                                "python": {"kind": "code", "share_of_tokens": round(15 / 26, 4)}}
    sae = result["sources"]["0-res-sae"]
    assert (sae["alive"], sae["fvu"], sae["l0"], sae["alive_from"]) == (0.75, 0.2, 3.0, "pack metrics")
    assert result["sources"]["0-mlp"]["fvu"] is None and result["validation"] is None
    assert result["notes"] == []
    assert "0-res-sae" in format_table(result)


def test_without_corpus_docs_every_document_is_code_and_the_output_says_so(pack: Path) -> None:
    result = measure_pack(pack)
    assert result["prose_clue_share"] == 0.0
    assert all(row["prose_clue_share"] == 0.0 for row in result["sources"].values())
    assert result["corpus"] == {"tiny-corpus": {"kind": "code", "share_of_tokens": 1.0}}
    assert NO_CORPUS_DOCS_NOTE in result["notes"]


def test_corpus_docs_must_name_every_document(pack: Path) -> None:
    (pack / "corpus_docs.json").write_text(json.dumps({"sources": {"novels": {"kind": "prose"}},
                                                       "doc_source": ["novels"]}))
    with pytest.raises(PackError, match="1 documents"):
        measure_pack(pack)


def test_validation_tokens_are_the_last_documents_capped(pack: Path) -> None:
    meta = read_pack(pack)
    val, bos, _ = validation_tokens(meta, CORPUS, document_starts(CORPUS), cap=100)
    assert val.tolist() == DOC1 and bos.tolist() == [0]
    val, bos, _ = validation_tokens(meta, CORPUS, document_starts(CORPUS), cap=5)
    assert val.tolist() == DOC1[:5]


@pytest.mark.slow
def test_missing_held_out_figures_are_measured_on_the_validation_documents(tmp_path: Path) -> None:
    """The inference tests' tiny pack (random 1-layer model, a TopK and a Standard SAE): alive,
    FVU and L0 measured on the validation document equal a direct forward pass over it."""
    from sae_lens import SAE

    from pipeline.features import SourceSpec, extract_features
    from pipeline.records import RecordConfig
    from pipeline.train_model import load_model
    from tests.inference.model_pack import N_CTX, TOPK_K, write_model_pack

    path = write_model_pack(tmp_path / "pack")
    meta = json.loads((path / "pack.json").read_text())
    model = load_model(path / "model")
    rng = np.random.default_rng(1)
    docs = [rng.integers(1, model.cfg.d_vocab, size=n) for n in (40, 50, 60, 20)]
    tokens = np.concatenate([np.r_[0, d] for d in docs]).astype(np.int32)  # id 0 is the BOS
    np.save(path / "corpus_tokens.npy", tokens)
    starts = document_starts(tokens)
    saes = {s["slug"]: SAE.load_from_disk(str(path / s["weights_path"])) for s in meta["sources"] if s["weights_path"]}
    specs = [SourceSpec(s["slug"], s["kind"], 0, s["hook_point"], s["width"], sae=saes.get(s["slug"]))
             for s in meta["sources"]]
    arrays = extract_features(model, tokens, starts, specs, progress=False, overlap=8, cfg=RecordConfig(
        window=8, n_top=6, n_candidates=24, n_samples=32, n_pool=12, n_random=3, held_out_ranks=(2,)))
    for s in meta["sources"]:
        s["features"] = f"features/{s['slug']}.npz"
        write_features(path / s["features"], arrays[s["slug"]], s["width"])
    meta["corpus"] = {"name": "random", "n_docs": 4, "n_tokens": len(tokens), "n_validation_docs": 1}
    (path / "pack.json").write_text(json.dumps(meta))

    result = measure_pack(path)

    val = torch.from_numpy(tokens[starts[-1]:].astype(np.int64))[None]  # 21 tokens < N_CTX: one pass
    assert val.shape[1] <= N_CTX
    _, cache = model.run_with_cache(val)
    for s in meta["sources"]:
        row = result["sources"][s["slug"]]
        x = cache[s["hook_point"]][0, 1:]  # the BOS is not text
        f = x if s["kind"] == "neurons" else saes[s["slug"]].encode(x)
        assert row["alive"] == pytest.approx(float((f.max(dim=0).values > 0).float().mean()), abs=1e-4)
        assert row["alive_from"].startswith("measured")
        if s["kind"] == "neurons":
            assert row["fvu"] is None and row["l0"] is None
        else:
            assert row["l0"] == pytest.approx(float((f > 0).sum(dim=1).float().mean()), abs=1e-3)
            assert row["fvu"] > 0
    assert result["sources"]["0-res-topk"]["l0"] <= TOPK_K
    assert result["validation"]["tokens"] == 20
