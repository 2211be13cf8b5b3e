from __future__ import annotations

import pytest
from django.utils import timezone

from jobs import selectors
from jobs.models import Job

pytestmark = pytest.mark.django_db


def _job(status: str, name: str = "test-sel") -> Job:
    return Job.objects.create(name=name, payload={}, status=status, run_after=timezone.now())


def test_counts_name_every_status_even_when_none() -> None:
    _job(Job.Status.READY)
    _job(Job.Status.READY)
    _job(Job.Status.FAILED)
    assert selectors.job_counts() == {"ready": 2, "running": 0, "done": 0, "failed": 1, "cancelled": 0}


def test_the_list_is_newest_first_filtered_and_limited() -> None:
    a, b, c = _job(Job.Status.FAILED, "a"), _job(Job.Status.READY, "b"), _job(Job.Status.FAILED, "c")
    assert [j.pk for j in selectors.jobs_list(None)] == [c.pk, b.pk, a.pk]
    assert [j.pk for j in selectors.jobs_list("failed")] == [c.pk, a.pk]
    assert [j.pk for j in selectors.jobs_list("failed", limit=1)] == [c.pk]


def test_an_unknown_status_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="Unknown job status 'stuck'"):
        selectors.jobs_list("stuck")
