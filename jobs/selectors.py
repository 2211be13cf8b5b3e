"""Reads of the queue for operators: how many jobs are in each state, and the latest ones."""

from __future__ import annotations

from django.db.models import Count

from jobs.models import Job


def job_counts() -> dict[str, int]:
    """Jobs per status, every status present (0 when none), in the order of `Job.Status`."""
    counts = dict(Job.objects.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in Job.Status.values}


def jobs_list(status: str | None, limit: int = 50) -> list[Job]:
    """The newest `limit` jobs, of one status or (None) of any. An unknown status is a ValueError."""
    qs = Job.objects.all()
    if status is not None:
        if status not in Job.Status.values:
            raise ValueError(f"Unknown job status {status!r}; expected one of {', '.join(Job.Status.values)}.")
        qs = qs.filter(status=status)
    return list(qs.order_by("-created", "-id")[: max(0, limit)])


def job_get(job_id: int) -> Job | None:
    return Job.objects.filter(pk=job_id).first()
