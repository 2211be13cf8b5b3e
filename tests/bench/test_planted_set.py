"""The planted set as committed, how its records are picked, and how the bench counts its pairs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bench.planted_set import clue_records, item, scoring_records
from pipeline.planted import KINDS, Planted, PlantedRecord
from scoring.base import PermanentScoringError, ScoreResult
from scoring.registry import register

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "planted.jsonl"


def test_committed_set_has_enough_features_of_every_kind_and_well_formed_records():
    items = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    kinds = Counter(it["kind"] for it in items)
    assert all(kinds[k] >= 8 for k in KINDS), kinds
    assert len({it["id"] for it in items}) == len(items)
    for it in items:
        ex = it["explanations"]
        assert len(ex["decoys"]) == 3 and len({ex["true"], *ex["decoys"]}) == 4
        assert it["records"] and len(it["random_records"]) == len(it["records"]) and len(it["clues"]) <= 5
        for rec in it["records"] + it["random_records"] + it["clues"]:
            assert len(rec["tokens"]) == len(rec["values"]) and all(isinstance(t, str) for t in rec["tokens"])
        assert all(max(r["values"]) > 0 for r in it["records"] + it["clues"])
        assert max(max(r["values"]) for r in it["records"]) <= it["max_activation"]


def _rec(kind: str, rank: int, held_out: bool = False, unseen: bool = False, start: int = 0) -> PlantedRecord:
    return PlantedRecord(token_ids=np.array([1, 2], dtype=np.int32), values=np.array([0, 1.5], dtype=np.float32),
                         kind=kind, rank=rank, quantile_bin=None, held_out=held_out, unseen=unseen,
                         duplicates=0, start=start)


def test_scoring_records_are_picked_as_the_game_picks_them():
    records = (
        _rec("top", 0), _rec("top", 3, held_out=True), _rec("top", 4, unseen=True), _rec("top", 6, held_out=True),
        _rec("quantile", 0), _rec("random", 1), _rec("random", 0), _rec("random", 2), _rec("random", 9, unseen=True),
    )
    p = Planted(key="token/x", kind="token", rule={"type": "words", "words": ["x"]}, explanation="Right",
                decoys=("a", "b", "c"), max_activation=1.5, frac_nonzero=0.01, records=records)
    top, randoms = scoring_records(p)
    assert [(r.kind, r.rank) for r in top] == [("top", 3), ("top", 6)]
    assert [(r.kind, r.rank) for r in randoms] == [("random", 0), ("random", 1)]
    assert [(r.kind, r.rank) for r in clue_records(p)] == [("top", 0)]
    row = item(p, ["<bos>", " x", " y"])
    assert row["records"][0] == {"tokens": [" x", " y"], "values": [0.0, 1.5]}
    assert row["explanations"] == {"true": "Right", "decoys": ["a", "b", "c"]}


SCORES = {"right": 0.8, "wrong": 0.1, "tie": 0.8}


class _ByText:
    name = version = "test-planted"

    def score(self, data):
        if data.explanation == "fail":
            raise PermanentScoringError("no score")
        return ScoreResult("ok", SCORES.get(data.explanation, 0.0))


register("test-planted")(_ByText)


def test_planted_pairs_are_won_strictly_and_counted_per_kind():
    from bench.scoring_validity import run_planted

    rec = {"tokens": [" a", " b"], "values": [0.0, 1.0]}
    items = [{"id": "token/x", "kind": "token", "max_activation": 1.0, "records": [rec], "random_records": [rec],
              "explanations": {"true": "right", "decoys": ["wrong", "tie", "fail"]}}]
    kinds, by_feature = run_planted("test-planted", items)
    # A tie is a loss; a decoy without a score loses to a scored true explanation.
    assert kinds["token"] == {"pairs": 3, "win_rate": round(2 / 3, 4)}
    assert kinds["context"] == {"pairs": 0, "win_rate": None}
    assert by_feature["token/x"] == {"true": 0.8, "decoys": [0.1, 0.8, None]}


def test_a_win_rate_carries_its_wilson_interval():
    from bench.scoring_validity import win_figures

    fig = win_figures(133, 180)
    assert fig["pairs"] == 180 and fig["win_rate"] == round(133 / 180, 4)
    # The interval holds the rate, is not symmetric about it, and narrows with more pairs.
    lo, hi = fig["ci95"]
    assert lo == pytest.approx(0.6702, abs=1e-4) and hi == pytest.approx(0.7976, abs=1e-4)
    lo4, hi4 = win_figures(4 * 133, 4 * 180)["ci95"]
    assert lo < lo4 < fig["win_rate"] < hi4 < hi
    # Every pair won: the interval still reaches below 1.
    assert win_figures(60, 60)["ci95"][1] == 1.0 and win_figures(60, 60)["ci95"][0] < 0.95
    assert win_figures(0, 0) == {"pairs": 0, "win_rate": None, "ci95": None}
