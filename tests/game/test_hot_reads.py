"""The written-out reads of the hot routes answer exactly what the ORM answers."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.forms.models import model_to_dict

from game.clues import prepare
from game.hot_reads import (
    answered_simulations,
    explanation_items,
    explanation_rows,
    feature_by_ref,
    feature_for_play,
    feature_in_play,
    has_answered_comparisons,
    puzzle_view_insert,
    records_shown,
)
from game.models import (
    Comparison,
    Explanation,
    Feature,
    PreparedClues,
    PuzzleView,
    SimulationTask,
    Vote,
)
from game.selectors import explanation_payload, feature_records
from tests.factories import (
    concrete_fields,
    make_campaign,
    make_explanation,
    make_feature,
    make_record,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_the_feature_read_for_play_is_the_orm_feature_with_its_relations_and_no_dashboard():
    feature = make_feature()
    Feature.objects.filter(pk=feature.pk).update(histogram={"edges": [0, 1], "counts": [3]}, settled_reason="votes")
    prepare(Feature.objects.select_related("source__model").get(pk=feature.pk))
    orm = Feature.objects.select_related("source__model", "prepared_clues").get(pk=feature.pk)

    got = feature_for_play(feature.pk)

    assert got == orm
    assert got.get_deferred_fields() == set(Feature.DASHBOARD_FIELDS)
    assert {k: v for k, v in concrete_fields(got).items() if k not in Feature.DASHBOARD_FIELDS} == \
        {k: v for k, v in concrete_fields(orm).items() if k not in Feature.DASHBOARD_FIELDS}
    assert concrete_fields(got.source) == concrete_fields(orm.source) and concrete_fields(got.source.model) == concrete_fields(orm.source.model)
    assert concrete_fields(got.prepared_clues) == concrete_fields(orm.prepared_clues)
    # The relations came with it: reading them costs no query.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        _ = (got.ref, got.prepared_clues.shown, got.retired)
    assert len(queries) == 0


def test_a_feature_without_prepared_clues_reads_as_the_orm_says_it():
    feature = make_feature()
    PreparedClues.objects.filter(feature=feature).delete()
    got = feature_for_play(feature.pk)
    with pytest.raises(PreparedClues.DoesNotExist):
        _ = got.prepared_clues
    assert feature_for_play(10**9) is None


def test_the_feature_read_by_ref_carries_every_field():
    feature = make_feature()
    Feature.objects.filter(pk=feature.pk).update(neighbours=[[3, 0.5]], logits_promoted=[[" cat", 1.5]])
    ref = feature.ref
    got = feature_by_ref(model=ref.model, source=ref.source, index=ref.index)
    assert concrete_fields(got) == concrete_fields(Feature.objects.get(pk=feature.pk))
    assert got.neighbours == [[3, 0.5]] and got.get_deferred_fields() == set()
    assert feature_by_ref(model=ref.model, source=ref.source, index=ref.index + 1000) is None
    assert feature_by_ref(model=ref.model, source=ref.source, index=2**70) is None  # no overflow
    assert feature_by_ref(model="nope", source=ref.source, index=ref.index) is None


def orm_explanations(feature, *, drafts: bool):
    qs = feature.explanations.filter(hidden=False).select_related("author")
    if not drafts:
        qs = qs.exclude(status=Explanation.Status.DRAFT)
    return list(qs.order_by(F("score_value").desc(nulls_last=True), "-vote_count", "created"))


def test_explanations_come_in_the_orms_order_with_the_orms_payload():
    feature = make_feature()
    player, other = make_user(), make_user()
    made = [
        make_explanation(feature=feature, score=0.4, votes=1),
        make_explanation(feature=feature, score=0.4, votes=3, author=other),
        make_explanation(feature=feature, score=None, status=Explanation.Status.QUEUED),
        make_explanation(feature=feature, score=None, status=Explanation.Status.DRAFT, author=player),
        make_explanation(feature=feature, score=0.9),
        make_explanation(feature=feature, score=0.95, hidden=True),
    ]
    Vote.objects.create(user=player, explanation=made[0])
    Feature.objects.filter(pk=feature.pk).update(settled_explanation=made[4])
    feature.refresh_from_db()

    for drafts in (True, False):
        rows = explanation_rows(feature, drafts=drafts)
        assert [payload for payload, _, _ in rows] == [explanation_payload(e) for e in orm_explanations(feature, drafts=drafts)]
    assert [p["id"] for p, _, _ in explanation_rows(feature, drafts=True)] == [made[4].pk, made[1].pk, made[0].pk, made[2].pk, made[3].pk]

    items = {item["id"]: item for item in explanation_items(feature, user=player)}
    assert items[made[0].pk]["voted"] and not items[made[1].pk]["voted"]
    assert items[made[3].pk]["own"] and not items[made[0].pk]["own"]
    assert items[made[4].pk]["settled"] and not items[made[0].pk]["settled"]
    assert items[made[1].pk]["author"] == other.username and items[made[0].pk]["author"] == "test-explainer"
    # Anonymous: no votes, nothing of theirs.
    assert not any(i["voted"] or i["own"] for i in explanation_items(feature, user=None))


@pytest.mark.parametrize("in_play", [True, False])
def test_records_shown_are_the_orms_feature_records(in_play):
    feature = make_feature(records=4)
    make_record(feature=feature, token_ids=[1, 2], values=[0, 0], kind="random", rank=0)
    make_record(feature=feature, token_ids=[3, 4], values=[0, 2.0], kind="quantile", quantile_bin=3)
    make_record(feature=feature, token_ids=[5, 6], values=[1.0, 0], kind="quantile", quantile_bin=1)
    got = records_shown(feature, in_play=in_play)
    want = list(feature_records(feature, in_play=in_play))
    assert [concrete_fields(r) for r in got] == [concrete_fields(r) for r in want]
    assert [r.values() for r in got] == [r.values() for r in want]


def test_in_play_comparisons_and_simulations_match_the_orm():
    feature, other = make_feature(), make_feature()
    make_campaign(features=[feature])
    make_campaign(features=[other], active=False)
    assert feature_in_play(feature.pk) is feature.in_play is True
    assert feature_in_play(other.pk) is other.in_play is False

    a, b = make_explanation(feature=feature), make_explanation(feature=feature)
    user = make_user()
    Comparison.objects.create(user=user, feature=feature, left=a, right=b)
    assert has_answered_comparisons(feature.pk) is False
    Comparison.objects.filter(feature=feature).update(winner=a)
    assert has_answered_comparisons(feature.pk) is True

    SimulationTask.objects.create(user=user, explanation=a, token_correlation=0.5, answered=a.created)
    SimulationTask.objects.create(user=make_user(), explanation=a, token_correlation=None)  # not answered
    assert answered_simulations([a.pk, b.pk]) == [(a.pk, 0.5)]
    assert answered_simulations([]) == []


def test_the_puzzle_view_insert_is_the_orms_row():
    feature = make_feature()
    user = make_user()
    view = puzzle_view_insert(user=user, session_key="", feature=feature)
    stored = PuzzleView.objects.get(pk=view.pk)
    assert model_to_dict(view) == model_to_dict(stored)
    assert (view.created, view.updated, view.action) == (stored.created, stored.updated, PuzzleView.Action.SEEN)
    assert view.feature is feature and not view._state.adding
    anon = puzzle_view_insert(user=None, session_key="abc", feature=feature)
    assert PuzzleView.objects.get(pk=anon.pk).session_key == "abc" and anon.user_id is None
