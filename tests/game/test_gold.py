"""Gold puzzles: planted features placed in dead slots, served at the player's gold rate,
answered by a first vote, measuring the player; hidden from research tools; never settled."""

from __future__ import annotations

import random

import numpy as np
import pytest

from game.gold import player_reliability
from game.models import (
    ActivationRecord,
    Explanation,
    Feature,
    GoldAnswer,
    PlantedFeature,
    PointsEvent,
)
from game.puzzles import Player, candidate_features, next_feature
from game.selectors import explanation_search
from game.services.planting import dead_slots, planted_place
from game.services.points import feature_settle
from pipeline.planted import Planted, PlantedRecord
from tests.factories import (
    make_campaign,
    make_explanation,
    make_feature,
    make_record,
    make_source,
    make_user,
)
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db

TRUE = "Words for fruit such as apple and banana"
DECOYS = ("The word ate before a fruit", "Words for animals such as cat and dog", "The full stop after a fruit")


def _record(kind: str, rank: int, *, held_out: bool = False, unseen: bool = False, fires: bool = True) -> PlantedRecord:
    ids = np.array([1, 2, 9, 10, 6, 14], dtype=np.int32)  # " the cat ate a banana ."
    values = np.array([0, 0, 0, 0, 2.0 if fires else 0.0, 0], dtype=np.float32)
    return PlantedRecord(ids, values, kind, rank, None, held_out, unseen, 0)


def _planted(key: str = "token/fruit") -> Planted:
    records = (
        _record("top", 0), _record("top", 1), _record("top", 2, held_out=True), _record("top", 3, unseen=True),
        _record("random", 0, fires=False), _record("random", 1, held_out=True, fires=False),
        _record("random", 2, unseen=True, fires=False),
    )
    return Planted(key=key, kind="token", rule={"words": ["apple", "banana"]}, explanation=TRUE, decoys=DECOYS,
                   max_activation=2.0, frac_nonzero=0.01, records=records)


@pytest.fixture
def world():
    """A campaign with one real feature (with a baseline) and two dead slots in an SAE source."""
    source = make_source(width=64)
    real = make_feature(source=source, index=0)
    make_explanation(feature=real, author_model="baseline-v2", text="The word banana")
    dead = [Feature.objects.create(source=source, index=i) for i in (5, 9)]
    campaign = make_campaign(features=[real, *dead])
    return source, real, dead, campaign


def test_planted_features_take_dead_slots_with_records_and_baseline_like_explanations(world):
    source, real, dead, campaign = world
    report = planted_place([_planted()], model=source.model, score=False)
    assert report.placed == ["token/fruit"]
    planted = PlantedFeature.objects.get()
    assert planted.feature_id == dead[0].pk and planted.feature.source == source  # an ordinary-looking ref
    records = ActivationRecord.objects.filter(feature=planted.feature)
    assert records.filter(held_out=False, unseen=False, kind="top").count() == 2  # clues
    assert records.filter(held_out=True).count() == 2 and records.filter(unseen=True).count() == 2
    texts = set(Explanation.objects.filter(feature=planted.feature).values_list("text", flat=True))
    assert texts == {TRUE, *DECOYS} and planted.true_explanation.text == TRUE
    # Signed like the pack's own explanations, so nothing in the list tells gold apart.
    assert set(Explanation.objects.filter(feature=planted.feature).values_list("author_model", flat=True)) == {"baseline-v2"}
    assert campaign.features.filter(pk=planted.feature_id).exists()
    # Out of the ordinary rotation; a second run places nothing twice.
    assert list(candidate_features()) == [real]
    again = planted_place([_planted()], model=source.model, score=False)
    assert again.already == ["token/fruit"] and PlantedFeature.objects.count() == 1
    assert [f.pk for f in dead_slots(source.model)] == [dead[1].pk]


def test_with_no_dead_slot_left_the_command_reports_it(world):
    source, *_ = world
    report = planted_place([_planted("a"), _planted("b"), _planted("c")], model=source.model, score=False)
    assert report.placed == ["a", "b"] and report.no_slot == ["c"]


def test_a_dead_feature_imported_with_all_zero_records_is_a_slot_and_loses_them(world):
    # A pack's dead latents come with random records that are all zero (they never fire).
    source, real, dead, _ = world
    zero = Feature.objects.create(source=source, index=12)
    old = make_record(feature=zero, token_ids=[1, 2, 3], values=[0.0, 0.0, 0.0], kind="random")
    assert zero.pk in [f.pk for f in dead_slots(source.model)]
    assert real.pk not in [f.pk for f in dead_slots(source.model)]
    planted_place([_planted("a"), _planted("b"), _planted("c")], model=source.model, score=False)
    planted = PlantedFeature.objects.get(feature=zero)
    assert not ActivationRecord.objects.filter(pk=old.pk).exists()
    assert planted.feature.records.filter(kind="top", max_value__gt=0).exists()


def test_gold_is_served_at_the_players_gold_rate(world, settings):
    source, real, dead, _ = world
    planted_place([_planted()], model=source.model, score=False)
    player = Player(user=make_user())
    settings.GOLD_RATE_START = 0.0
    settings.GOLD_RATE_FLOOR = 0.0
    assert next_feature(player, rng=random.Random(1)) == real
    settings.GOLD_RATE_START = 1.0
    settings.GOLD_RATE_FLOOR = 1.0
    assert next_feature(player, rng=random.Random(1)).pk == dead[0].pk
    # Anonymous players cannot answer (voting needs an account): they never get gold.
    assert next_feature(Player(session_key="anon"), rng=random.Random(1)) == real


def test_a_first_vote_on_gold_is_the_answer_and_measures_the_player(world):
    source, *_ = world
    planted_place([_planted()], model=source.model, score=False)
    planted = PlantedFeature.objects.get()
    decoy = Explanation.objects.get(feature=planted.feature, text=DECOYS[0])
    right_player, wrong_player = make_user(), make_user()

    right = post_json(logged_in(right_player), f"/api/explanations/{planted.true_explanation_id}/vote")
    wrong = post_json(logged_in(wrong_player), f"/api/explanations/{decoy.pk}/vote")
    assert right.status_code == 200 and right.json()["gold_correct"] is True
    assert wrong.json()["gold_correct"] is False
    # Only the first answer counts: voting for the true one afterwards changes nothing.
    later = post_json(logged_in(wrong_player), f"/api/explanations/{planted.true_explanation_id}/vote")
    assert later.json()["gold_correct"] is None
    assert GoldAnswer.objects.get(user=wrong_player).correct is False
    assert player_reliability(right_player).mean > player_reliability(wrong_player).mean
    # Points for measured accuracy: the right answer earns, the wrong one does not.
    assert PointsEvent.objects.filter(user=right_player, reason="gold_correct").count() == 1
    assert not PointsEvent.objects.filter(user=wrong_player, reason="gold_correct").exists()
    me = logged_in(right_player).get("/api/me").json()
    assert me["skill"]["gold_answered"] == 1 and me["skill"]["gold_correct"] == 1
    low, high = me["skill"]["interval_90"]
    assert low < me["skill"]["accuracy"] < high
    # An ordinary feature's vote says nothing about gold.
    real_expl = Explanation.objects.get(text="The word banana")
    assert post_json(logged_in(right_player), f"/api/explanations/{real_expl.pk}/vote").json()["gold_correct"] is None


def test_gold_never_settles_and_shows_no_settled_mark(world):
    source, *_ = world
    planted_place([_planted()], model=source.model, score=False)
    planted = PlantedFeature.objects.get()
    Explanation.objects.filter(pk=planted.true_explanation_id).update(score_value=0.9)
    for _ in range(6):
        post_json(logged_in(make_user()), f"/api/explanations/{planted.true_explanation_id}/vote")
    assert feature_settle(planted.feature) is None
    assert Feature.objects.get(pk=planted.feature_id).settled_explanation_id is None


def test_gold_is_left_out_of_search_exports_and_test_your_text(world, client):
    source, *_ = world
    planted_place([_planted()], model=source.model, score=False)
    planted = PlantedFeature.objects.get()
    assert not [e for e in explanation_search("fruit") if e.feature_id == planted.feature_id]
    export = client.get(f"/api/export/{source.model.slug}/{source.slug}.jsonl.gz")
    assert export.status_code == 200
    import gzip
    import json

    lines = [json.loads(line) for line in gzip.decompress(b"".join(export.streaming_content)).splitlines()]
    assert {line["index"] for line in lines} == {0, 9}  # the planted slot is not in it
    tested = post_json(client, "/api/activation/test", {"model": source.model.slug, "source": source.slug,
                                                      "index": planted.feature.index, "text": "an apple"})
    assert tested.status_code == 404 and "in play" in tested.json()["error"]
