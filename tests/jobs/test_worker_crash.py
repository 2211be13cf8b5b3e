from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from game import jobs as scoring_jobs
from game.importer import import_pack
from game.models import Explanation, Feature, Score
from jobs.models import Job
from tests.tiny_pack import write_tiny_pack

ROOT = Path(__file__).resolve().parents[2]


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.jobs.crash_worker"], cwd=ROOT, env=env)


def _wait(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def _slow_scoring_job(tmp_path, **env_extra: str) -> tuple[Explanation, dict, Path]:
    """One explanation queued for the slow test scorer, and the environment of workers that run it
    against this test database (each completion is written to the returned file)."""
    import_pack(write_tiny_pack(tmp_path / "p"), score_baselines=False)
    Job.objects.all().delete()  # the import's own jobs (clue preparation): this test is about one job
    feature = Feature.objects.get(source__slug="0-res-sae", index=0)
    with transaction.atomic():
        e = Explanation.objects.create(feature=feature, text="cats", author_model="tester")
        scoring_jobs.enqueue_scoring(e, method="test-slow")
    db = settings.DATABASES["default"]
    completions = tmp_path / "completions.txt"
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "JOB_LEASE_SECONDS": "2",
        "COMPLETIONS_FILE": str(completions),
        **env_extra,
    }
    return e, env, completions


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_job_leaves_it_to_another_which_completes_it_once(tmp_path) -> None:
    e, env, completions = _slow_scoring_job(tmp_path, SLOW_SCORE_S="3")
    first = _worker(env)
    try:
        _wait(lambda: Job.objects.filter(status="running").exists())
        time.sleep(0.5)
        first.send_signal(signal.SIGKILL)  # no chance to clean up, like a lost machine
        first.wait(10)
    finally:
        first.kill()
    assert Job.objects.get().status == "running"  # orphaned, lease still ticking
    assert not completions.exists()

    second = _worker(env)
    try:
        _wait(lambda: Job.objects.get().status == "done", timeout=40)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(10)
    job = Job.objects.get()
    assert job.attempts == 2
    assert completions.read_text().splitlines() == [str(second.pid)]
    score = Score.objects.get(explanation=e)
    assert score.status == "ok" and score.value == pytest.approx(0.42)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_workers_keep_dying_is_given_up_after_max_attempts(tmp_path, settings) -> None:
    settings.JOB_MAX_ATTEMPTS = 2
    # The scorer never finishes before its worker is killed.
    e, env, completions = _slow_scoring_job(tmp_path, JOB_MAX_ATTEMPTS="2", SLOW_SCORE_S="30")
    for attempt in (1, 2):
        doomed = _worker(env)
        try:
            _wait(lambda: Job.objects.filter(status="running", attempts=attempt).exists(), timeout=40)
            time.sleep(0.3)
            doomed.send_signal(signal.SIGKILL)
            doomed.wait(10)
        finally:
            doomed.kill()

    third = _worker(env)
    try:
        _wait(lambda: Job.objects.get().status == "failed", timeout=40)
    finally:
        third.send_signal(signal.SIGTERM)
        third.wait(10)
    job = Job.objects.get()
    assert job.attempts == 2
    assert job.last_error.startswith("Gave up after 2 attempts (JOB_MAX_ATTEMPTS=2)")
    assert not completions.exists()
    score = Score.objects.get(explanation=e)
    assert score.status == "failed" and score.error.startswith("Gave up after 2 attempts")
    e.refresh_from_db()
    assert e.status == Explanation.Status.FAILED
