"""Which records the record-count bench scores a feature on, beside the ones the game uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.scoring_records import PackRecords, matching_items, record_sets

DEMO = Path(__file__).resolve().parents[2] / "packs" / "demo"

pytestmark = pytest.mark.skipif(not (DEMO / "pack.json").exists(), reason="packs/demo is not built")


def _texts(records: list[dict]) -> list[str]:
    return ["".join(r["tokens"]) for r in records]


@pytest.fixture(scope="module")
def matched() -> tuple[list[tuple[dict, dict]], int]:
    return matching_items(PackRecords(DEMO))


def test_only_items_whose_held_out_records_the_pack_holds_are_measured(matched) -> None:
    items, skipped = matched
    if not items:
        pytest.skip("no test item was drawn from the demo pack's build")
    assert skipped > 0  # the first demo model's items and the older build's SAE items
    for item, recs in items:
        assert _texts(recs["held_out"]) == _texts(item["records"])
        assert [r["values"] for r in recs["held_out"]] == [r["values"] for r in item["records"]]


def test_larger_record_sets_hold_the_game_records_and_never_mix_roles(matched) -> None:
    items, _ = matched
    if not items:
        pytest.skip("no test item was drawn from the demo pack's build")
    item, recs = items[0]
    sets = record_sets(item, recs)
    game_top, game_random = sets["game"]
    assert (game_top, game_random) == (item["records"], item["random_records"])

    shown_top, shown_random = sets["never-shown"]
    clue_texts = set(_texts(recs["clues"]))
    assert not clue_texts & set(_texts(shown_top))  # never a record players read as a clue
    assert _texts(shown_top)[: len(game_top)] == _texts(game_top)
    assert len(shown_random) == len(shown_top) > len(game_top)

    every_top, every_random = sets["every-record"]
    assert set(_texts(shown_top)) | clue_texts == set(_texts(every_top))
    assert set(_texts(game_random)) <= set(_texts(every_random))
    assert len(every_random) == len(recs["random"]) + len(recs["random_unseen"])
