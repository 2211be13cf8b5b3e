"""What the operators' page shows: today's spend against the budget, the limits in force,
and the state of the job queue."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from game import site_settings
from game.services import ledger
from jobs import selectors as job_selectors
from jobs.models import Job

# Jobs listed per state: enough to act on, few enough to render fast.
JOBS_SHOWN = 50
PAYLOAD_SHOWN_CHARS = 300


@dataclass(frozen=True)
class JobRow:
    id: int
    name: str
    payload: str
    attempts: int
    max_attempts: int
    error_summary: str
    error: str
    created: datetime


def _row(job: Job) -> JobRow:
    payload = json.dumps(job.payload, sort_keys=True, ensure_ascii=False)
    if len(payload) > PAYLOAD_SHOWN_CHARS:
        payload = payload[: PAYLOAD_SHOWN_CHARS - 1] + "…"
    summary = job.last_error.splitlines()[0] if job.last_error else ""
    return JobRow(job.pk, job.name, payload, job.attempts, job.max_attempts, summary, job.last_error, job.created)


def spend_overview() -> dict[str, Any]:
    spent = ledger.spent_today_usd()
    budget = site_settings.daily_budget_usd()
    return {
        "spent_usd": spent,
        "budget_usd": budget,
        "left_usd": max(0.0, budget - spent),
        "over_budget": spent >= budget,
        "budget_overridden": site_settings.is_overridden(site_settings.DAILY_BUDGET_USD),
        "budget_default_usd": settings.SCORING_DAILY_BUDGET_USD,
    }


def limits_current() -> dict[str, Any]:
    """The values in force, as the limits form's initial data."""
    return {
        site_settings.DAILY_LIMIT: site_settings.daily_limit(),
        site_settings.DAILY_BUDGET_USD: site_settings.daily_budget_usd(),
    }


def operators_overview() -> dict[str, Any]:
    counts = job_selectors.job_counts()
    return {
        "spend": spend_overview(),
        "daily_limit": site_settings.daily_limit(),
        "limit_overridden": site_settings.is_overridden(site_settings.DAILY_LIMIT),
        "limit_default": settings.DAILY_SCORED_EXPLANATIONS,
        "job_counts": [(Job.Status(status).label, status, n) for status, n in counts.items()],
        "jobs_failed": [_row(j) for j in job_selectors.jobs_list(Job.Status.FAILED, JOBS_SHOWN)],
        "jobs_running": [_row(j) for j in job_selectors.jobs_list(Job.Status.RUNNING, JOBS_SHOWN)],
        "jobs_ready": [_row(j) for j in job_selectors.jobs_list(Job.Status.READY, JOBS_SHOWN)],
        "jobs_shown": JOBS_SHOWN,
    }
