"""A job whose worker keeps dying is given up on once its attempts are used, not re-claimed
forever: FAILED with a readable reason, and its owner told exactly once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from jobs import queue
from jobs.models import Job
from jobs.registry import job_handler

GAVE_UP: list[tuple[dict, str]] = []


@job_handler("test-abandoned", on_give_up=lambda payload, reason: GAVE_UP.append((payload, reason)))
def _abandoned(payload: dict) -> None:
    raise AssertionError("a given-up job must never run")


def _explode(payload: dict, reason: str) -> None:
    GAVE_UP.append((payload, reason))
    raise RuntimeError("the owner's hook is broken")


job_handler("test-abandoned-bad-hook", on_give_up=_explode)(_abandoned)


@pytest.fixture(autouse=True)
def _reset() -> None:
    GAVE_UP.clear()


def _expire_lease(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(seconds=1))


def _abandon_every_attempt(job: Job) -> None:
    """Claim the job as many times as it may run, each worker dying (lease expires)."""
    for n in range(1, job.max_attempts + 1):
        claimed = queue.claim(f"dying-worker-{n}")
        assert claimed is not None and claimed.pk == job.pk and claimed.attempts == n
        _expire_lease(claimed)


@pytest.mark.django_db
def test_a_job_whose_lease_expires_max_attempts_times_ends_failed_with_the_reason_and_the_hook_called_once() -> None:
    job = queue.enqueue("test-abandoned", {"score_id": 7})
    Job.objects.filter(pk=job.pk).update(max_attempts=3)
    job.refresh_from_db()
    _abandon_every_attempt(job)

    assert queue.claim("w-next") is None  # given up on, not run a fourth time
    assert queue.claim("w-after") is None

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.finished is not None and job.lease_until is None
    assert job.last_error.startswith("Gave up after 3 attempts (JOB_MAX_ATTEMPTS=3)")
    assert "stopped before finishing" in job.last_error
    assert GAVE_UP == [({"score_id": 7}, job.last_error.splitlines()[0])]
    # The last dead worker, should it wake up, cannot finish it either.
    assert queue.mark_done(job, "dying-worker-3") is False


@pytest.mark.django_db
def test_the_claim_that_gives_up_goes_on_to_the_next_job() -> None:
    stuck = queue.enqueue("test-abandoned", {"n": 1}, priority=0)
    Job.objects.filter(pk=stuck.pk).update(max_attempts=1)
    stuck.refresh_from_db()
    _abandon_every_attempt(stuck)
    waiting = queue.enqueue("test-abandoned", {"n": 2}, priority=5)

    claimed = queue.claim("w1")

    assert claimed.pk == waiting.pk
    assert Job.objects.get(pk=stuck.pk).status == Job.Status.FAILED


@pytest.mark.django_db
def test_a_job_with_attempts_left_is_still_claimed_again() -> None:
    job = queue.enqueue("test-abandoned", {})
    _expire_lease(queue.claim("dead"))
    again = queue.claim("w2")
    assert again.pk == job.pk and again.attempts == 2 and not GAVE_UP


@pytest.mark.django_db
def test_the_previous_error_is_kept_below_the_reason() -> None:
    job = queue.enqueue("test-abandoned", {})
    Job.objects.filter(pk=job.pk).update(max_attempts=1, last_error="429 Too Many Requests")
    job.refresh_from_db()
    _abandon_every_attempt(job)
    queue.claim("w")
    job.refresh_from_db()
    assert job.last_error.splitlines()[1] == "Earlier error: 429 Too Many Requests"


@pytest.mark.django_db
def test_a_broken_hook_neither_stops_the_claim_nor_revives_the_job() -> None:
    job = queue.enqueue("test-abandoned-bad-hook", {"k": 1})
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    job.refresh_from_db()
    _abandon_every_attempt(job)

    assert queue.claim("w") is None
    assert queue.claim("w") is None

    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED
    assert len(GAVE_UP) == 1


@pytest.mark.django_db
def test_a_job_of_an_unknown_handler_is_given_up_without_a_hook() -> None:
    job = queue.enqueue("no-such-handler", {})
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    job.refresh_from_db()
    _abandon_every_attempt(job)
    assert queue.claim("w") is None
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_several_workers_claiming_at_once_give_up_once() -> None:
    job = queue.enqueue("test-abandoned", {"score_id": 9})
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    job.refresh_from_db()
    _abandon_every_attempt(job)
    start = threading.Barrier(6)
    claimed: list[Job | None] = []

    def claimer(n: int) -> None:
        try:
            start.wait()
            claimed.append(queue.claim(f"racer-{n}"))
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert claimed == [None] * 6
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED
    assert len(GAVE_UP) == 1
