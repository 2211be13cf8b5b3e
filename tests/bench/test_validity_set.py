"""How the validity set picks a feature's records: the ones the game scores it on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench.validity_set import KIND_QUANTILE, KIND_RANDOM, KIND_TOP, _records_of
from pipeline import pack as packio

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "packs" / "demo"
ITEMS = ROOT / "bench" / "data" / "features-prose-v2.jsonl"


def _arrays(kinds, held, unseen, feature=None) -> dict[str, np.ndarray]:
    n = len(kinds)
    return {"rec_feature": np.zeros(n, dtype=np.int32) if feature is None else np.asarray(feature),
            "rec_rank": np.arange(n, dtype=np.int32), "rec_kind": np.asarray(kinds, dtype=np.int8),
            "rec_held_out": np.asarray(held, dtype=bool), "rec_unseen": np.asarray(unseen, dtype=bool)}


def test_random_records_kept_unseen_are_never_scoring_records() -> None:
    T, Q, R = KIND_TOP, KIND_QUANTILE, KIND_RANDOM
    arrays = _arrays(kinds=[T, T, T, Q, R, R, R, R], held=[0, 1, 0, 0, 0, 0, 0, 0], unseen=[0, 0, 1, 0, 1, 0, 1, 0])
    recs = _records_of(arrays, 0)
    assert recs["held_out"] == [1]
    assert recs["random"] == [5, 7]
    assert recs["quantile"] == [3]


def test_a_pack_without_unseen_records_keeps_every_random_record() -> None:
    arrays = _arrays(kinds=[KIND_TOP, KIND_RANDOM, KIND_RANDOM], held=[1, 0, 0], unseen=[0, 0, 0])
    del arrays["rec_unseen"]
    assert _records_of(arrays, 0)["random"] == [1, 2]


@pytest.mark.skipif(not (DEMO / "pack.json").exists(), reason="packs/demo is not built")
def test_committed_items_of_the_demo_pack_carry_the_records_the_game_scores() -> None:
    slug = packio.read_pack(DEMO).model["slug"]
    items = [json.loads(line) for line in ITEMS.read_text().splitlines() if line.strip()]
    items = [it for it in items if it["pack"] == slug]
    if not items:
        pytest.skip(f"no validity items for the demo pack's model {slug}")
    tokens = np.asarray(packio.load_corpus_tokens(DEMO))
    vocab = packio.load_vocab(DEMO)
    for it in items[:10]:
        arrays = packio.load_features(DEMO, it["source"])
        recs = _records_of(arrays, it["index"])
        random = recs["random"][: len(recs["held_out"])]
        assert len(it["random_records"]) == len(it["records"]) == len(recs["held_out"])
        for stored, r in zip(it["random_records"], random):
            assert not arrays["rec_unseen"][r]
            assert stored["tokens"] == [vocab[int(t)] for t in packio.record_tokens(tokens, arrays, r)]


def test_the_prose_tune_items_are_new_features_outside_every_test_split() -> None:
    from bench.validity_set import DATA, already_drawn

    tune = [json.loads(line) for line in (DATA / "features-prose-tune.jsonl").read_text().splitlines()]
    split = json.loads((DATA / "split-prose-tune.json").read_text())
    assert split["test"] == [] and split["tune"] == sorted(it["id"] for it in tune)
    test_ids = {i for p in DATA.glob("split*.json") for i in json.loads(p.read_text())["test"]}
    assert not test_ids & set(split["tune"])
    # None of them was drawn before, under this pack's model or the model whose neurons it kept.
    earlier = {(it["source"], it["index"]) for p in ("features-prose.jsonl", "features-prose-v2.jsonl")
               for it in map(json.loads, (DATA / p).read_text().splitlines())}
    assert not earlier & {(it["source"], it["index"]) for it in tune}
    drawn_then = already_drawn({"lp-prose-2l-v2", "lp-prose-2l"}, but="prose-tune")
    assert drawn_then >= earlier
    assert not drawn_then & {(it["source"], it["index"]) for it in tune}  # so drawing it again draws the same
    assert already_drawn({"lp-prose-2l-v2", "lp-prose-2l"}) >= {(it["source"], it["index"]) for it in tune}
    # The frozen test split is the one the README states.
    assert json.loads((DATA / "split.json").read_text())["sha256"] == (
        "465da5f9c769037eba65964c66a139a9092d2b82f78e4fe75df8944e8f8f64d2")
