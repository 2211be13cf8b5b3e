"""A durable job queue in the database.

Why not django-tasks-db: it claims rows well (SKIP LOCKED) but a task whose worker dies
stays RUNNING forever, and it has no retry with backoff. Scoring needs both, so jobs here
hold a *lease* that the worker renews while it works; a job whose lease ran out is claimed
again by the next worker.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Job(models.Model):
    class Status(models.TextChoices):
        READY = "ready", "Ready"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    name = models.CharField(max_length=100, help_text="Registered handler name")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.READY)
    priority = models.SmallIntegerField(default=0, help_text="Lower runs first")
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)
    run_after = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=5)
    locked_by = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "priority", "run_after"]),
            # Pruning looks for finished jobs by age.
            models.Index(fields=["finished"], name="jobs_job_finished_idx"),
        ]
        constraints = [
            # One live job per key: enqueueing the same work twice is a no-op. Finished
            # (done, failed, cancelled) jobs free their key.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["ready", "running"]),
                name="one_live_job_per_dedupe_key",
            )
        ]

    # States a job never leaves by itself: what pruning may delete.
    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    def __str__(self) -> str:
        return f"{self.name}#{self.pk} ({self.status})"
