from __future__ import annotations

import pytest
from django.db import transaction

from game import jobs as scoring_jobs
from game.importer import import_pack
from game.models import Explanation, Feature, Score
from jobs.models import Job
from jobs.worker import work
from scoring.base import PermanentScoringError, ScoreResult, TransientScoringError
from scoring.registry import register
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db

SEEN: list = []
PAYLOADS: list = []


class _Fixed:
    costs_money = False

    def __init__(self, name: str, outcome) -> None:
        self.name, self.outcome = name, outcome

    def score(self, data):
        SEEN.append(data)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


register("test-good")(lambda: _Fixed("test-good", ScoreResult("ok", 0.75, {"n": 1}, tokens_in=10, cost_usd=0.0)))
register("test-flat")(lambda: _Fixed("test-flat", ScoreResult("undefined", None, error="constant predictions")))
register("test-429")(lambda: _Fixed("test-429", TransientScoringError("429 Too Many Requests", retry_after_s=0)))
register("test-broken")(lambda: _Fixed("test-broken", PermanentScoringError("model replied with malformed JSON twice")))


class _Paid(_Fixed):
    costs_money = True


register("test-paid")(lambda: _Paid("test-paid", ScoreResult("ok", 0.5, cost_usd=0.3)))


@pytest.fixture
def feature(tmp_path):
    import_pack(write_tiny_pack(tmp_path / "p"), score_baselines=False)
    SEEN.clear()
    return Feature.objects.get(source__slug="0-res-sae", index=0)


@pytest.fixture
def announced(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr("game.events.announce_score", lambda payload: (calls.append(payload["explanation_id"]), PAYLOADS.append(payload)))
    return calls


def submit(feature, text="cats on mats", method=None) -> Explanation:
    with transaction.atomic():
        e = Explanation.objects.create(feature=feature, text=text, author_model="tester")
        scoring_jobs.enqueue_scoring(e, method=method)
    return e


def test_a_scored_explanation_gets_its_value_and_is_announced(
    feature, announced, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SCORING_METHOD = "test-good"
    e = submit(feature)
    with django_capture_on_commit_callbacks(execute=True):
        work(burst=True)
    e.refresh_from_db()
    assert (e.status, e.score_value, e.score_method) == ("scored", 0.75, "test-good")
    assert Score.objects.get(explanation=e).details == {"n": 1}
    assert announced == [e.pk]


def test_the_scorer_gets_held_out_and_random_records_one_to_one(feature, settings) -> None:
    settings.SCORING_METHOD = "test-good"
    submit(feature)
    work(burst=True)
    data = SEEN[0]
    assert data.explanation == "cats on mats"
    assert len(data.top_records) == 1 and len(data.random_records) == 1
    assert max(data.random_records[0].values) == 0
    assert data.max_activation == pytest.approx(3.0)


def test_an_undefined_score_is_stored_without_a_number(feature, settings) -> None:
    settings.SCORING_METHOD = "test-flat"
    e = submit(feature)
    work(burst=True)
    score = Score.objects.get(explanation=e)
    assert score.status == "undefined" and score.value is None and "constant" in score.error


def test_a_permanent_failure_is_visible_and_never_a_number(
    feature, announced, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SCORING_METHOD = "test-broken"
    e = submit(feature)
    with django_capture_on_commit_callbacks(execute=True):
        work(burst=True)
    e.refresh_from_db()
    score = Score.objects.get(explanation=e)
    assert score.status == "failed" and score.value is None and "malformed JSON" in score.error
    assert e.status == "failed" and e.score_value is None
    assert announced == [e.pk]
    assert PAYLOADS[-1]["score"] is None and "malformed JSON" in PAYLOADS[-1]["error"]


def test_transient_failures_retry_then_fail_with_the_reason(feature, settings) -> None:
    settings.SCORING_METHOD = "test-429"
    e = submit(feature)
    job = Job.objects.get(name="score_explanation")
    for _ in range(job.max_attempts):
        Job.objects.filter(pk=job.pk).update(run_after=job.created)
        work(burst=True)
    assert len(SEEN) == job.max_attempts
    score = Score.objects.get(explanation=e)
    assert score.status == "failed" and score.value is None and "429" in score.error


def test_a_moderator_retry_scores_a_failed_explanation_again(feature, settings) -> None:
    settings.SCORING_METHOD = "test-broken"
    e = submit(feature)
    work(burst=True)
    score = Score.objects.get(explanation=e)
    settings.SCORING_METHOD = "test-good"
    Score.objects.filter(pk=score.pk).update(method="test-good")
    score.refresh_from_db()
    assert scoring_jobs.retry_failed_score(score) is True
    work(burst=True)
    score.refresh_from_db()
    assert score.status == "ok" and score.value == 0.75


def test_the_same_explanation_and_method_is_scored_once(feature, settings) -> None:
    settings.SCORING_METHOD = "test-good"
    e = submit(feature)
    with transaction.atomic():
        scoring_jobs.enqueue_scoring(e)
    assert Job.objects.filter(name="score_explanation").count() == 1
    work(burst=True)
    with transaction.atomic():
        scoring_jobs.enqueue_scoring(e)
    assert Job.objects.filter(name="score_explanation").count() == 1 and len(SEEN) == 1


def test_when_the_budget_is_spent_jobs_wait_and_the_explanation_is_kept(feature, settings) -> None:
    settings.SCORING_METHOD = "test-paid"
    settings.SCORING_DAILY_BUDGET_USD = 0.5
    first, second, third = (submit(feature, f"text {i}") for i in range(3))
    work(burst=True)
    statuses = sorted(Score.objects.values_list("status", flat=True))
    assert statuses == ["ok", "ok", "waiting_budget"]
    assert Explanation.objects.filter(pk=third.pk).exists()
    assert Job.objects.filter(status="ready").count() == 1


def test_recording_a_result_twice_writes_charges_and_pays_once(feature, announced, django_capture_on_commit_callbacks) -> None:
    from game.models import LlmUsage
    from game.services.scores import score_record

    e = submit(feature)
    score = Score.objects.get(explanation=e)
    result = ScoreResult("ok", 0.6, {"model": "m"}, calls=2, cost_usd=0.01)
    with django_capture_on_commit_callbacks(execute=True):
        assert score_record(score.pk, result) is True
        assert score_record(score.pk, ScoreResult("ok", 0.1)) is False
    e.refresh_from_db()
    assert (e.status, e.score_value) == ("scored", 0.6)
    assert LlmUsage.objects.filter(explanation=e).count() == 1
    assert announced == [e.pk]


def test_a_score_saved_by_a_worker_killed_before_announcing_it_is_announced_by_the_rerun(
    feature, announced, settings, django_capture_on_commit_callbacks
) -> None:
    from game.services.scores import score_record

    settings.SCORING_METHOD = "test-good"
    e = submit(feature)
    score = Score.objects.get(explanation=e)
    # The worker commits the score and dies before its on-commit announcement runs.
    with django_capture_on_commit_callbacks(execute=False) as dropped:
        assert score_record(score.pk, ScoreResult("ok", 0.75, {"n": 1})) is True
    assert dropped and announced == []
    assert Score.objects.get(pk=score.pk).announced is False
    # Its job's lease runs out and another worker runs it again.
    with django_capture_on_commit_callbacks(execute=True):
        work(burst=True)
    assert announced == [e.pk]
    assert Score.objects.get(pk=score.pk).announced is True
    assert SEEN == []  # the saved score is not scored again
    # A further re-run has nothing left to tell.
    with django_capture_on_commit_callbacks(execute=True):
        scoring_jobs.score_explanation({"score_id": score.pk})
    assert announced == [e.pk]


def test_an_announced_score_is_marked_so_a_rerun_is_silent(
    feature, announced, settings, django_capture_on_commit_callbacks
) -> None:
    settings.SCORING_METHOD = "test-good"
    e = submit(feature)
    with django_capture_on_commit_callbacks(execute=True):
        work(burst=True)
    score = Score.objects.get(explanation=e)
    assert score.announced is True and announced == [e.pk]
    with django_capture_on_commit_callbacks(execute=True):
        scoring_jobs.queue.enqueue(scoring_jobs.SCORE_JOB, {"score_id": score.pk})
        work(burst=True)
    assert announced == [e.pk]


def test_any_worker_announces_a_score_whose_announcement_is_overdue(
    feature, announced, settings, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    """The worker that saved it died, and its job's lease has minutes to run: a live worker's
    periodic look tells the author within seconds, once."""
    from datetime import timedelta

    from django.utils import timezone

    from game.services.scores import ANNOUNCE_GRACE_S, ANNOUNCE_HORIZON_S, score_record
    from jobs import registry
    from jobs.registry import run_due_hooks

    for hook in registry._PERIODIC:  # this process's schedule comes back as it was
        monkeypatch.setattr(hook, "next_at", 0.0)
    lost, fresh, stale = (submit(feature, text=t) for t in ("cats on mats", "dogs on logs", "owls on towels"))
    for e in (lost, fresh, stale):
        with django_capture_on_commit_callbacks(execute=False):
            score_record(Score.objects.get(explanation=e).pk, ScoreResult("ok", 0.5))
    now = timezone.now()
    Score.objects.filter(explanation=lost).update(finished=now - timedelta(seconds=ANNOUNCE_GRACE_S + 1))
    Score.objects.filter(explanation=stale).update(finished=now - timedelta(seconds=ANNOUNCE_HORIZON_S + 1))

    assert run_due_hooks(now=1e12) >= 1  # a worker's loop, between jobs
    # The one just saved may still be announced by its own worker; the one from long ago is
    # seen on its author's next visit.
    assert announced == [lost.pk]
    assert set(Score.objects.filter(announced=True).values_list("explanation_id", flat=True)) == {lost.pk}
    run_due_hooks(now=2e12)
    assert announced == [lost.pk]


def test_a_failing_periodic_hook_does_not_stop_the_others(monkeypatch) -> None:
    from jobs import registry

    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("boom")

    hooks = [registry._Periodic(broken, 5.0), registry._Periodic(lambda: ran.append("ok"), 5.0)]
    monkeypatch.setattr(registry, "_PERIODIC", hooks)
    assert registry.run_due_hooks(now=100.0) == 2 and ran == ["ok"]
    assert registry.run_due_hooks(now=102.0) == 0  # not due again for five seconds
    assert registry.run_due_hooks(now=105.0) == 2 and ran == ["ok", "ok"]
