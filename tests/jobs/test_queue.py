from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jobs import queue
from jobs.models import Job
from jobs.registry import Defer, RetryLater, job_handler
from jobs.worker import run_one, work

pytestmark = pytest.mark.django_db

CALLS: list[dict] = []
GAVE_UP: list[str] = []


@job_handler("test-ok")
def _ok(payload: dict) -> None:
    CALLS.append(payload)


@job_handler("test-flaky")
def _flaky(payload: dict) -> None:
    raise RetryLater("429 Too Many Requests")


@job_handler("test-broken", on_give_up=lambda payload, reason: GAVE_UP.append(reason))
def _broken(payload: dict) -> None:
    raise ValueError("the reply was not JSON")


@job_handler("test-defer")
def _defer(payload: dict) -> None:
    raise Defer("budget spent", 60)


@pytest.fixture(autouse=True)
def _reset() -> None:
    CALLS.clear()
    GAVE_UP.clear()


def test_a_job_runs_once_and_is_done() -> None:
    job = queue.enqueue("test-ok", {"n": 1})
    assert work(burst=True, worker_id="w1") == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1
    assert CALLS == [{"n": 1}]


def test_the_same_dedupe_key_is_enqueued_once_while_live() -> None:
    assert queue.enqueue("test-ok", {}, dedupe_key="k") is not None
    assert queue.enqueue("test-ok", {}, dedupe_key="k") is None
    assert Job.objects.count() == 1


def test_lower_priority_numbers_run_first() -> None:
    queue.enqueue("test-ok", {"n": "late"}, priority=10)
    queue.enqueue("test-ok", {"n": "first"}, priority=0)
    work(burst=True)
    assert [c["n"] for c in CALLS] == ["first", "late"]


def test_a_transient_failure_retries_later_with_backoff() -> None:
    job = queue.enqueue("test-flaky", {})
    claimed = queue.claim("w1")
    before = timezone.now()
    assert run_one(claimed, "w1") == "retry"
    job.refresh_from_db()
    assert job.status == Job.Status.READY and "429" in job.last_error
    assert job.run_after >= before + dt.timedelta(seconds=1.5)
    assert queue.claim("w1") is None  # not before the backoff


def test_transient_failures_give_up_after_max_attempts() -> None:
    job = queue.enqueue("test-flaky", {})
    Job.objects.filter(pk=job.pk).update(max_attempts=2)
    for _ in range(2):
        Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
        run_one(queue.claim("w1"), "w1")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "Gave up after 2 attempts" in job.last_error


def test_a_permanent_failure_fails_at_once_and_tells_the_owner() -> None:
    job = queue.enqueue("test-broken", {})
    assert run_one(queue.claim("w1"), "w1") == "failed"
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and "not JSON" in job.last_error
    assert GAVE_UP and "ValueError" in GAVE_UP[0]


def test_a_deferred_job_waits_without_using_an_attempt() -> None:
    job = queue.enqueue("test-defer", {})
    assert run_one(queue.claim("w1"), "w1") == "deferred"
    job.refresh_from_db()
    assert job.status == Job.Status.READY and job.attempts == 0
    assert job.run_after > timezone.now() + dt.timedelta(seconds=50)


def test_a_job_whose_lease_expired_is_claimed_again() -> None:
    job = queue.enqueue("test-ok", {})
    assert queue.claim("dead-worker").pk == job.pk
    assert queue.claim("w2") is None  # leased
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))
    again = queue.claim("w2")
    assert again.pk == job.pk and again.attempts == 2 and again.locked_by == "w2"
    # the dead worker can no longer finish it
    assert queue.mark_done(job, "dead-worker") is False
    assert queue.mark_done(again, "w2") is True


def test_a_moderator_can_requeue_a_failed_job() -> None:
    job = queue.enqueue("test-broken", {})
    run_one(queue.claim("w1"), "w1")
    assert queue.requeue(job.pk) is True
    job.refresh_from_db()
    assert job.status == Job.Status.READY and job.attempts == 0


DB_GONE: list[int] = []


@job_handler("test-db-gone-once")
def _db_gone_once(payload: dict) -> None:
    from django.db import OperationalError

    if not DB_GONE:
        DB_GONE.append(1)
        raise OperationalError("server closed the connection unexpectedly")
    CALLS.append(payload)


def test_losing_the_database_mid_job_neither_fails_the_job_nor_stops_the_worker(monkeypatch) -> None:
    import jobs.worker

    DB_GONE.clear()
    monkeypatch.setattr(jobs.worker, "DATABASE_RETRY_S", (0.0,))
    job = queue.enqueue("test-db-gone-once", {"n": 7})
    # The first run loses the database; the worker waits, hands the job back, and the next run completes it.
    assert work(burst=True, worker_id="w1") == 1
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 1 and job.last_error
    assert CALLS == [{"n": 7}] and not GAVE_UP
