"""Pruning: finished jobs go some days after they finished; live ones stay whatever their age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from jobs import queue, worker
from jobs.models import Job

pytestmark = pytest.mark.django_db


def _job(status: str, *, finished_days_ago: float | None) -> Job:
    finished = None if finished_days_ago is None else timezone.now() - dt.timedelta(days=finished_days_ago)
    return Job.objects.create(name="test-prune", payload={}, status=status, run_after=timezone.now(), finished=finished)


@pytest.fixture
def two_weeks(settings):
    settings.JOB_PRUNE_AFTER_DAYS = 14


def test_finished_jobs_older_than_the_setting_are_deleted(two_weeks) -> None:
    old = [_job(s, finished_days_ago=15) for s in (Job.Status.DONE, Job.Status.FAILED, Job.Status.CANCELLED)]
    recent = [_job(s, finished_days_ago=13) for s in (Job.Status.DONE, Job.Status.FAILED, Job.Status.CANCELLED)]
    live = [_job(Job.Status.READY, finished_days_ago=None), _job(Job.Status.RUNNING, finished_days_ago=None)]

    assert queue.prune() == 3

    left = set(Job.objects.values_list("pk", flat=True))
    assert left == {j.pk for j in recent + live}
    assert not left & {j.pk for j in old}


def test_a_requeued_job_is_live_and_stays(two_weeks) -> None:
    # requeue clears `finished`; even a row that kept it is not deleted while ready
    job = _job(Job.Status.READY, finished_days_ago=30)
    assert queue.prune() == 0
    assert Job.objects.filter(pk=job.pk).exists()


def test_now_can_be_given(two_weeks) -> None:
    _job(Job.Status.DONE, finished_days_ago=1)
    assert queue.prune(now=timezone.now() + dt.timedelta(days=14)) == 1


def test_zero_days_keeps_finished_jobs_forever(settings) -> None:
    settings.JOB_PRUNE_AFTER_DAYS = 0
    _job(Job.Status.DONE, finished_days_ago=400)
    assert queue.prune() == 0
    assert Job.objects.count() == 1


def test_many_old_jobs_are_deleted_in_batches(two_weeks, monkeypatch) -> None:
    monkeypatch.setattr(queue, "PRUNE_BATCH", 2)
    for _ in range(5):
        _job(Job.Status.DONE, finished_days_ago=20)
    assert queue.prune() == 5
    assert Job.objects.count() == 0


def test_the_worker_prunes_at_most_once_an_hour(two_weeks, monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(queue, "prune", lambda now=None: calls.append(1) or 0)
    monkeypatch.setattr(worker, "_next_prune_at", 0.0)

    assert worker.maybe_prune(now=1000.0) == 0
    assert worker.maybe_prune(now=1000.0 + 3599) is None
    assert worker.maybe_prune(now=1000.0 + 3600) == 0
    assert len(calls) == 2


def test_the_worker_loop_prunes(two_weeks, monkeypatch) -> None:
    monkeypatch.setattr(worker, "_next_prune_at", 0.0)
    _job(Job.Status.DONE, finished_days_ago=20)
    worker.work(burst=True)
    assert Job.objects.count() == 0
    _job(Job.Status.DONE, finished_days_ago=20)
    worker.work(burst=True)  # within the hour: not again
    assert Job.objects.count() == 1


def test_a_failing_prune_does_not_stop_the_worker(two_weeks, monkeypatch) -> None:
    def broken(now=None) -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr(queue, "prune", broken)
    monkeypatch.setattr(worker, "_next_prune_at", 0.0)
    assert worker.maybe_prune(now=5.0) == 0


def test_the_prune_jobs_command(two_weeks, capsys) -> None:
    _job(Job.Status.FAILED, finished_days_ago=30)
    _job(Job.Status.DONE, finished_days_ago=1)
    call_command("prune_jobs")
    assert "Deleted 1 finished job(s)" in capsys.readouterr().out
    assert Job.objects.count() == 1
