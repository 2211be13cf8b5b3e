"""build_demo end to end on a small slice of the corpus, so the committed pack stays rebuildable."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from pipeline import pack as packio
from pipeline.build_demo import DemoSettings, build_demo
from pipeline.corpus_sources import available_sources
from pipeline.train_model import DEMO_MODEL_SLUG

pytestmark = pytest.mark.slow

SMALL = DemoSettings(vocab_size=600, train_tokens=30_000, sae_tokens=20_000, sae_epochs=1.0, mlp_sae_width=64,
                     mlp_sae_k=8, res_sae_width=64, res_sae_k=4, eval_tokens=4_000, max_documents=200,
                     # Whatever parts this machine has (the code part always): the prose parts
                     # come from Debian packages a bare machine may lack.
                     sources=available_sources())


@pytest.fixture(scope="module")
def small_pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("build") / "small"
    meta = build_demo(out, seed=0, settings=SMALL, progress=False)
    return out, meta


def test_it_writes_a_complete_pack_with_measured_figures(small_pack) -> None:
    out, meta = small_pack
    stored = json.loads((out / "pack.json").read_text())
    assert stored["model"]["validation_loss"] > 0
    kinds = {s["slug"]: s["kind"] for s in stored["sources"]}
    layer = SMALL.feature_layer
    assert kinds == {f"{layer}-mlp": "neurons", f"{layer}-mlp-sae": "sae", f"{layer}-res-sae": "sae"}
    assert stored["model"]["n_layers"] == SMALL.n_layers
    for s in stored["sources"]:
        if s["kind"] == "sae":
            assert 0 < s["metrics"]["fvu"] < 1.5 and s["metrics"]["l0"] > 0
            assert (out / s["weights_path"] / "cfg.json").is_file()
            assert (out / s["weights_path"] / "sae_weights.safetensors").is_file()
    assert "Validation loss" in (out / "README.md").read_text()
    assert not out.with_name("small.building").exists()


def test_every_source_has_records_and_baselines_for_live_features(small_pack) -> None:
    out, _ = small_pack
    meta = packio.read_pack(out)
    for source in meta.sources:
        arrays = packio.load_features(out, source.slug)
        live = np.flatnonzero(arrays["max_activation"] > 0)
        assert len(live) > 0
        assert set(np.unique(arrays["rec_feature"][arrays["rec_kind"] == 0])) >= set(live[:5].tolist())
        explained = {e["index"] for e in packio.load_explanations(out, source.slug)}
        assert set(live.tolist()) <= explained


@pytest.mark.django_db
def test_the_built_pack_imports(small_pack) -> None:
    from game.importer import import_pack
    from game.models import ActivationRecord, Source

    out, _ = small_pack
    report = import_pack(out, score_baselines=False)
    layer = SMALL.feature_layer
    assert sorted(report.sources) == [f"{layer}-mlp", f"{layer}-mlp-sae", f"{layer}-res-sae"]
    assert Source.objects.count() == 3 and ActivationRecord.objects.count() == report.records_written > 0


def test_every_document_has_its_source_and_each_part_its_licence_and_share(small_pack) -> None:
    out, meta = small_pack
    docs = json.loads((out / "corpus_docs.json").read_text())
    assert len(docs["doc_source"]) == meta["corpus"]["n_docs"]
    assert set(docs["doc_source"]) == set(docs["sources"]) == set(meta["corpus"]["parts"])
    for part in docs["sources"].values():
        assert part["kind"] in ("prose", "code") and part["licence"] and part["version"]
    assert abs(sum(p["share_of_tokens"] for p in docs["sources"].values()) - 1) < 0.01
    assert meta["model"]["slug"] == DEMO_MODEL_SLUG


def test_clues_scoring_records_and_unseen_snippets_are_disjoint(small_pack) -> None:
    out, _ = small_pack
    for source in packio.read_pack(out).sources:
        a = packio.load_features(out, source.slug)
        assert not np.any(a["rec_held_out"] & a["rec_unseen"])
        assert a["rec_unseen"].any()


@pytest.mark.parametrize(("changes", "message"), [
    ({"feature_layer": 2}, "feature_layer 2 is not a layer of a 2-layer model (0 to 1)"),
    ({"n_layers": 4, "feature_layer": 4}, "feature_layer 4 is not a layer of a 4-layer model (0 to 3)"),
    ({"n_layers": 0, "feature_layer": 0}, "n_layers must be at least 1"),
    ({"res_sae_hook": "hook_attn_out"}, "res_sae_hook 'hook_attn_out' is not a residual stream hook"),
])
def test_settings_the_model_cannot_meet_are_refused_before_any_work(changes, message, tmp_path) -> None:
    from django.core.management import CommandError, call_command

    with pytest.raises(ValueError, match=re.escape(message)):
        DemoSettings(**changes)
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in changes.items()]
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("build_demo", f"--out={tmp_path / 'pack'}", *flags)
    assert not (tmp_path / "pack").exists() and not (tmp_path / "pack.building").exists()
