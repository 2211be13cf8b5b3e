"""A new best must beat the noise, and scores are compared only within one method, version and pack."""

from __future__ import annotations

import numpy as np
import pytest
from django.db import transaction

from game import jobs as scoring_jobs
from game.models import Explanation, PointsEvent, Score
from game.scoring_keys import ScoringKey, current_key
from game.services import points
from game.services.rescoring import rescore_in_play, rescoring_pending, standing_notice
from game.services.scores import score_recorded
from jobs.registry import run_start_hooks
from jobs.worker import work
from scoring.base import ScoreResult
from scoring.pearson import pearson
from scoring.registry import register
from scoring.uncertainty import pearson_difference, pearson_stderr
from tests.factories import make_campaign, make_explanation, make_feature, make_user

pytestmark = pytest.mark.django_db

KINDS = ["top"] * 5 + ["random"] * 5


def _truth(rng) -> list[np.ndarray]:
    out = []
    for kind in KINDS:
        t = np.zeros(20)
        if kind == "top":
            t[rng.integers(0, 20, 2)] = rng.uniform(4, 10, 2)
        out.append(t)
    return out


def _scored(feature, *, preds, truth, author=None, text) -> Explanation:
    """An explanation with a real Score row whose details hold per-record predictions."""
    r = pearson(np.concatenate(truth), np.concatenate(preds)).value
    se = pearson_stderr(truth, preds, KINDS)
    key = current_key(feature.source)
    e = make_explanation(feature=feature, author=author, text=text, score=round(r, 6))
    Explanation.objects.filter(pk=e.pk).update(score_stderr=se)
    Score.objects.create(
        explanation=e, status="ok", value=round(r, 6), stderr=se, **key.score_filter(),
        details={"records": [{"kind": k, "true": t.tolist(), "predicted": p.tolist()}
                             for k, t, p in zip(KINDS, truth, preds)]},
    )
    e.refresh_from_db()
    return e


def _new_best_points(user) -> int:
    return PointsEvent.objects.filter(user=user, reason=PointsEvent.Reason.NEW_BEST).count()


def test_a_gain_above_the_fixed_margin_but_within_the_noise_is_not_a_new_best() -> None:
    rng = np.random.default_rng(7)
    truth = _truth(rng)
    rival_preds = [t + rng.normal(0, 2.5, t.size) for t in truth]
    # Better on one record only: a real gain in the sum, but one record's luck, not the explanation's.
    mine_preds = [p.copy() for p in rival_preds]
    mine_preds[0] = truth[0] + rng.normal(0, 0.8, truth[0].size)
    feature = make_feature()
    make_explanation(feature=feature, text="an older explanation", score=None)
    rival = _scored(feature, preds=rival_preds, truth=truth, text="the best so far")
    author = make_user()
    mine = _scored(feature, preds=mine_preds, truth=truth, author=author, text="a slightly luckier one")

    diff = pearson_difference(truth, mine_preds, rival_preds, KINDS)
    gain = mine.score_value - rival.score_value
    assert points.NEW_BEST_MARGIN < gain < 2 * diff.stderr  # the case this test is about

    payload = score_recorded(mine.pk)
    assert payload["beat_best"] is False and _new_best_points(author) == 0
    assert payload["previous_best"] == rival.score_value
    assert "within the scorer's noise" in payload["verdict"]
    assert payload["noise"] == pytest.approx(2 * diff.stderr, rel=1e-6)


def test_a_gain_well_beyond_the_noise_is_a_new_best_and_says_so() -> None:
    rng = np.random.default_rng(8)
    truth = _truth(rng)
    rival_preds = [t + rng.normal(0, 2.5, t.size) for t in truth]
    mine_preds = [t + rng.normal(0, 0.5, t.size) for t in truth]
    feature = make_feature()
    rival = _scored(feature, preds=rival_preds, truth=truth, text="the best so far")
    author = make_user()
    mine = _scored(feature, preds=mine_preds, truth=truth, author=author, text="a much sharper one")
    payload = score_recorded(mine.pk)
    assert payload["beat_best"] is True and _new_best_points(author) == 1
    assert payload["verdict"].startswith(f"New best: {mine.score_value:.2f} beats the best so far ({rival.score_value:.2f})")
    assert payload["difference"] > payload["noise"] >= points.NEW_BEST_MARGIN


def test_the_explanation_api_gives_the_same_verdict_to_a_polling_page(client) -> None:
    rng = np.random.default_rng(7)
    truth = _truth(rng)
    rival_preds = [t + rng.normal(0, 2.5, t.size) for t in truth]
    mine_preds = [p.copy() for p in rival_preds]
    mine_preds[0] = truth[0] + rng.normal(0, 0.8, truth[0].size)
    feature = make_feature()
    _scored(feature, preds=rival_preds, truth=truth, text="the best so far")
    mine = _scored(feature, preds=mine_preds, truth=truth, author=make_user(), text="a slightly luckier one")
    body = client.get(f"/api/explanations/{mine.pk}").json()
    assert body["best_verdict"]["beat"] is False
    assert "within the scorer's noise" in body["best_verdict"]["message"]
    assert isinstance(body["score_stderr"], float)


# --- versions ---------------------------------------------------------------------------------

VALUES = {"test-key-a": 0.9, "test-key-b": 0.4}


class _Constant:
    costs_money = False
    version = "1"

    def __init__(self, name: str) -> None:
        self.name = name

    def score(self, data):
        bonus = 0.05 if "player" in data.explanation else 0.0
        return ScoreResult("ok", VALUES[self.name] + bonus, {"n_top": len(data.top_records)}, stderr=0.01)


register("test-key-a")(lambda: _Constant("test-key-a"))
register("test-key-b")(lambda: _Constant("test-key-b"))


def test_changing_the_default_scorer_rescores_in_play_explanations_without_comparing_across_methods(
    settings, django_capture_on_commit_callbacks
) -> None:
    settings.SCORING_METHOD = "test-key-a"
    feature = make_feature()
    make_campaign(features=[feature], active=True)
    out_of_play = make_feature()
    with transaction.atomic():
        baseline = Explanation.objects.create(feature=feature, text="a model's explanation", author_model="baseline-x")
        mine = Explanation.objects.create(feature=feature, text="a player's explanation", author=make_user())
        idle = Explanation.objects.create(feature=out_of_play, text="not in play", author_model="baseline-x")
        for e in (baseline, mine, idle):
            scoring_jobs.enqueue_scoring(e)
    with django_capture_on_commit_callbacks(execute=True):
        work(burst=True)
    assert set(Explanation.objects.values_list("score_method", flat=True)) == {"test-key-a"}
    # The notice is cached for a few seconds and the cache may be shared (Redis): start afresh.
    from django.core.cache import cache

    cache.delete("rescoring-notice")
    assert rescoring_pending() == 0 and standing_notice() is None

    settings.SCORING_METHOD = "test-key-b"
    from django.core.cache import cache

    cache.delete("rescoring-notice")
    # Old scores no longer count: nothing settles on them and a new score has no rival yet.
    assert rescoring_pending() == 2
    assert "standing may move" in standing_notice()
    assert points.settle_candidate(feature) is None
    baseline.refresh_from_db()
    assert points.best_rival(baseline) is not None  # under its own (old) key it still has one
    key_b = current_key(feature.source)
    assert all(ScoringKey.of_explanation(e) != key_b for e in Explanation.objects.filter(feature=feature))

    # A worker starting after the change queues the rescoring of in-play explanations only.
    run_start_hooks()
    with django_capture_on_commit_callbacks(execute=True):
        work(burst=True)
    for e in (baseline, mine):
        e.refresh_from_db()
        assert (e.score_method, e.score_version) == ("test-key-b", "1")
        assert set(e.scores.values_list("method", flat=True)) == {"test-key-a", "test-key-b"}
    idle.refresh_from_db()
    assert idle.score_method == "test-key-a"  # out of play: left alone
    assert rescoring_pending() == 0
    mine.refresh_from_db()
    assert mine.score_value == pytest.approx(0.45)
    assert points.best_rival(mine) == baseline and points.previous_best(mine) == pytest.approx(0.4)
    # Idempotent: nothing left to queue.
    assert rescore_in_play() == 0


def test_a_rebuilt_pack_changes_the_key_and_old_scores_stop_competing(settings) -> None:
    settings.SCORING_METHOD = "test-key-a"
    feature = make_feature()
    make_campaign(features=[feature], active=True)
    e = make_explanation(feature=feature, score=0.9)
    assert points.settle_candidate(feature) is None or points.settle_candidate(feature) == e
    feature.source.pack_version = "new-records"
    feature.source.save()
    feature.refresh_from_db()
    assert points.settle_candidate(feature) is None
    assert rescoring_pending() == 1
    assert rescore_in_play() == 1
    assert Score.objects.get(explanation=e, pack_version="new-records").status == "pending"
