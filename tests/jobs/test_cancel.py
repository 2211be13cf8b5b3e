"""Cancelling jobs: ready ones never run, running ones cannot be finished by their worker,
cancelled ones are never claimed again and free their dedupe key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jobs import queue
from jobs.models import Job
from jobs.registry import job_handler
from jobs.worker import run_one, work

pytestmark = pytest.mark.django_db

RAN: list[dict] = []


@job_handler("test-cancel-ok")
def _ok(payload: dict) -> None:
    RAN.append(payload)


@job_handler("test-cancelled-while-running")
def _cancelled_midway(payload: dict) -> None:
    # An operator cancels the job while its handler is still working.
    queue.cancel(ids=[payload["job_id"]], reason="cancelled by an operator")


@pytest.fixture(autouse=True)
def _reset() -> None:
    RAN.clear()


def test_a_ready_job_that_is_cancelled_never_runs() -> None:
    job = queue.enqueue("test-cancel-ok", {"n": 1})
    assert queue.cancel(ids=[job.pk], reason="not needed any more") == 1
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job.last_error == "not needed any more" and job.finished is not None
    assert work(burst=True) == 0 and RAN == []


def test_a_running_job_that_is_cancelled_cannot_be_finished_or_renewed_by_its_worker() -> None:
    job = queue.enqueue("test-cancel-ok", {})
    claimed = queue.claim("w1")
    assert queue.cancel(ids=[job.pk], reason="stop") == 1
    assert queue.renew_lease(claimed, "w1") is False
    assert queue.mark_done(claimed, "w1") is False
    assert queue.mark_retry(claimed, "w1", "boom", 1.0) is False
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


def test_a_job_cancelled_while_its_handler_runs_stays_cancelled() -> None:
    job = queue.enqueue("test-cancelled-while-running", {})
    Job.objects.filter(pk=job.pk).update(payload={"job_id": job.pk})
    run_one(queue.claim("w1"), "w1")
    assert Job.objects.get(pk=job.pk).status == Job.Status.CANCELLED


def test_a_cancelled_running_job_is_not_claimed_again_when_its_lease_would_have_run_out() -> None:
    job = queue.enqueue("test-cancel-ok", {})
    queue.claim("w1")
    queue.cancel(ids=[job.pk], reason="stop")
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - dt.timedelta(minutes=5))
    assert queue.claim("w2") is None


def test_cancelling_by_dedupe_key_frees_the_key_for_new_work() -> None:
    first = queue.enqueue("test-cancel-ok", {}, dedupe_key="score:1")
    assert queue.enqueue("test-cancel-ok", {}, dedupe_key="score:1") is None
    assert queue.cancel(dedupe_keys=["score:1"], reason="superseded") == 1
    second = queue.enqueue("test-cancel-ok", {}, dedupe_key="score:1")
    assert second is not None and second.pk != first.pk


def test_finished_jobs_are_left_alone() -> None:
    done = queue.enqueue("test-cancel-ok", {})
    work(burst=True)
    assert queue.cancel(ids=[done.pk], reason="too late") == 0
    assert Job.objects.get(pk=done.pk).status == Job.Status.DONE


def test_ids_and_keys_together_and_empty_lists() -> None:
    a = queue.enqueue("test-cancel-ok", {})
    queue.enqueue("test-cancel-ok", {}, dedupe_key="k")
    queue.enqueue("test-cancel-ok", {}, dedupe_key="other")
    assert queue.cancel(ids=[], dedupe_keys=[], reason="nothing") == 0
    assert queue.cancel(ids=[a.pk], dedupe_keys=["k"], reason="both") == 2
    assert Job.objects.filter(status=Job.Status.READY).count() == 1


def test_cancel_refuses_to_cancel_everything_or_without_a_reason() -> None:
    queue.enqueue("test-cancel-ok", {})
    with pytest.raises(ValueError, match="ids or dedupe_keys"):
        queue.cancel(reason="all of them")
    with pytest.raises(ValueError, match="reason"):
        queue.cancel(ids=[1], reason=" ")
    assert Job.objects.get().status == Job.Status.READY


def test_requeue_leaves_a_failed_job_alone_when_its_key_is_live_again() -> None:
    failed = Job.objects.create(name="test-cancel-ok", payload={}, status=Job.Status.FAILED, dedupe_key="k",
                                run_after=timezone.now(), finished=timezone.now())
    queue.enqueue("test-cancel-ok", {}, dedupe_key="k")
    assert queue.requeue(failed.pk) is False
    assert Job.objects.get(pk=failed.pk).status == Job.Status.FAILED
