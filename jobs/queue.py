"""Enqueue, claim and finish jobs. Every state change is one conditional UPDATE or a
row-locked transaction, so any number of worker processes can share the table."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import Job


def enqueue(
    name: str,
    payload: dict[str, Any],
    *,
    dedupe_key: str | None = None,
    priority: int = 0,
    delay_s: float = 0.0,
) -> Job | None:
    """Add a job. Call it inside the transaction that saves the work it refers to, so both
    commit or neither does. Returns None when a live job with `dedupe_key` already exists."""
    try:
        with transaction.atomic():
            return Job.objects.create(
                name=name,
                payload=payload,
                dedupe_key=dedupe_key,
                priority=priority,
                run_after=timezone.now() + dt.timedelta(seconds=delay_s),
                max_attempts=settings.JOB_MAX_ATTEMPTS,
            )
    except IntegrityError:
        if dedupe_key and Job.objects.filter(dedupe_key=dedupe_key, status__in=["ready", "running"]).exists():
            return None
        raise


def claimable(now: dt.datetime | None = None):
    now = now or timezone.now()
    ready = Q(status=Job.Status.READY, run_after__lte=now)
    # A running job whose lease ran out belongs to a worker that died.
    abandoned = Q(status=Job.Status.RUNNING, lease_until__lt=now)
    return Job.objects.filter(ready | abandoned)


def claim(worker_id: str, *, names: list[str] | None = None) -> Job | None:
    """Take the next job for this worker, or None. Uses SKIP LOCKED where the database has it
    (PostgreSQL); on SQLite the IMMEDIATE transaction serialises claimers instead."""
    now = timezone.now()
    with transaction.atomic():
        qs = claimable(now)
        if names:
            qs = qs.filter(name__in=names)
        job = qs.select_for_update(skip_locked=True).order_by("priority", "run_after", "id").first()
        if job is None:
            return None
        lease = now + dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.RUNNING, locked_by=worker_id, lease_until=lease, attempts=F("attempts") + 1
        )
        job.refresh_from_db()
        return job


def renew_lease(job: Job, worker_id: str) -> bool:
    """Extend the lease; False when the job is no longer this worker's."""
    lease = timezone.now() + dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
    return bool(
        Job.objects.filter(pk=job.pk, locked_by=worker_id, status=Job.Status.RUNNING).update(lease_until=lease)
    )


def _finish(job: Job, worker_id: str, **fields: Any) -> bool:
    return bool(Job.objects.filter(pk=job.pk, locked_by=worker_id, status=Job.Status.RUNNING).update(**fields))


def mark_done(job: Job, worker_id: str) -> bool:
    return _finish(job, worker_id, status=Job.Status.DONE, finished=timezone.now(), lease_until=None)


def mark_retry(job: Job, worker_id: str, error: str, delay_s: float, *, count_attempt: bool = True) -> bool:
    fields: dict[str, Any] = dict(
        status=Job.Status.READY,
        run_after=timezone.now() + dt.timedelta(seconds=delay_s),
        last_error=error[:2000],
        lease_until=None,
        locked_by="",
    )
    if not count_attempt:
        fields["attempts"] = F("attempts") - 1
    return _finish(job, worker_id, **fields)


def mark_failed(job: Job, worker_id: str, error: str) -> bool:
    return _finish(job, worker_id, status=Job.Status.FAILED, last_error=error[:2000], finished=timezone.now())


def backoff_seconds(attempts: int) -> float:
    """Exponential backoff: 2, 4, 8, ... seconds, capped at ten minutes."""
    return float(min(600, 2 ** max(1, attempts)))


def requeue(job_id: int) -> bool:
    """A moderator's retry of a failed job: a fresh set of attempts."""
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.FAILED).update(
            status=Job.Status.READY, attempts=0, run_after=timezone.now(), last_error="", finished=None
        )
    )
