"""Enqueue, claim and finish jobs. Every state change is one conditional UPDATE or a
row-locked transaction, so any number of worker processes can share the table."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import Job
from jobs.registry import get_handler

log = logging.getLogger(__name__)

# Rows deleted per statement when pruning, so no single DELETE holds locks for long.
PRUNE_BATCH = 1000


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
    (PostgreSQL); on SQLite the IMMEDIATE transaction serialises claimers instead.

    An abandoned job that has used all its attempts is not run again: it is given up on
    (FAILED, its handler's `on_give_up` told) and the next job is looked at instead."""
    while True:
        now = timezone.now()
        with transaction.atomic():
            qs = claimable(now)
            if names:
                qs = qs.filter(name__in=names)
            job = qs.select_for_update(skip_locked=True).order_by("priority", "run_after", "id").first()
            if job is None:
                return None
            if job.status == Job.Status.RUNNING and job.attempts >= job.max_attempts:
                _give_up_abandoned(job, now)
                continue
            lease = now + dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)
            Job.objects.filter(pk=job.pk).update(
                status=Job.Status.RUNNING, locked_by=worker_id, lease_until=lease, attempts=F("attempts") + 1
            )
            job.refresh_from_db()
            return job


def _give_up_abandoned(job: Job, now: dt.datetime) -> bool:
    """Fail a job whose worker stopped on its last attempt. Must run inside the claim's
    transaction: the conditional UPDATE lets exactly one of several claimers win, and the
    owner's hook commits together with the FAILED status (or neither does)."""
    reason = (
        f"Gave up after {job.attempts} attempts (JOB_MAX_ATTEMPTS={job.max_attempts}): the worker "
        f"running the last one stopped before finishing (its lease expired)"
    )
    error = f"{reason}\nEarlier error: {job.last_error}" if job.last_error else reason
    won = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, lease_until__lt=now).update(
        status=Job.Status.FAILED, last_error=error[:2000], finished=now, lease_until=None
    )
    if not won:
        return False
    log.warning("job %s #%s: %s", job.name, job.pk, reason)
    try:
        registered = get_handler(job.name)
    except KeyError:
        return True
    if registered.on_give_up is not None:
        try:
            with transaction.atomic():  # a failing hook undoes only its own writes
                registered.on_give_up(job.payload, reason)
        except Exception:  # noqa: BLE001 - a broken hook must not stop the worker claiming
            log.exception("on_give_up for job %s #%s failed", job.name, job.pk)
    return True


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
    """A moderator's retry of a failed job: a fresh set of attempts. False when the job is not
    failed, or when another live job already has its dedupe key (that one does the work)."""
    try:
        with transaction.atomic():
            return bool(
                Job.objects.filter(pk=job_id, status=Job.Status.FAILED).update(
                    status=Job.Status.READY, attempts=0, run_after=timezone.now(), last_error="", finished=None
                )
            )
    except IntegrityError:
        return False


def cancel(*, ids: Iterable[int] | None = None, dedupe_keys: Iterable[str] | None = None, reason: str,
           running: bool = True) -> int:
    """Cancel the ready (and, unless `running` is False, running) jobs with these ids or dedupe
    keys; returns how many.

    A running job's worker can then neither renew nor finish it (both only touch RUNNING
    rows), nobody claims it again, and its dedupe key is free for new work."""
    if ids is None and dedupe_keys is None:
        raise ValueError("cancel() needs ids or dedupe_keys: refusing to cancel every job")
    if not reason.strip():
        raise ValueError("cancel() needs a reason: it is what operators see in last_error")
    match = Q(pk__in=list(ids or [])) | Q(dedupe_key__in=list(dedupe_keys or []))
    statuses = [Job.Status.READY, Job.Status.RUNNING] if running else [Job.Status.READY]
    return Job.objects.filter(match, status__in=statuses).update(
        status=Job.Status.CANCELLED, last_error=reason[:2000], finished=timezone.now(), lease_until=None
    )


def prune(now: dt.datetime | None = None) -> int:
    """Delete finished jobs (done, failed, cancelled) that finished more than
    `JOB_PRUNE_AFTER_DAYS` days ago; returns how many. 0 days keeps them forever."""
    days = settings.JOB_PRUNE_AFTER_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    old = Job.objects.filter(status__in=Job.FINISHED, finished__lt=cutoff)
    deleted = 0
    while True:
        batch = list(old.values_list("pk", flat=True)[:PRUNE_BATCH])
        if not batch:
            return deleted
        # The filter again: a job requeued since the SELECT is live and stays.
        n, _ = old.filter(pk__in=batch).delete()
        deleted += n
        if len(batch) < PRUNE_BATCH:
            return deleted
