"""`manage.py serve` (web server with the worker inside) stops promptly on SIGTERM even while a
scoring job is running, and that job is left to be run again, not marked failed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def test_serve_stops_on_sigterm_mid_job_without_failing_the_job(tmp_path) -> None:
    from tests.tiny_pack import write_tiny_pack

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SQLITE_PATH=str(tmp_path / "db.sqlite3"), DJANGO_SETTINGS_MODULE="latentpedia.settings")
    run = dict(cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
    subprocess.run([sys.executable, "manage.py", "import_pack", str(write_tiny_pack(tmp_path / "pack"))], **run)
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--noreload", f"127.0.0.1:{free_port()}"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = sqlite3.connect(tmp_path / "db.sqlite3", timeout=30)
    try:
        deadline = time.monotonic() + 60
        while not db.execute("select count(*) from jobs_job where status='running'").fetchone()[0]:
            assert time.monotonic() < deadline, "no job started"
            assert server.poll() is None, "serve exited early"
            time.sleep(0.05)
        server.send_signal(signal.SIGTERM)
        started = time.monotonic()
        server.wait(timeout=15)
        assert time.monotonic() - started < 15
    finally:
        if server.poll() is None:
            server.kill()
    statuses = {s for (s,) in db.execute("select status from jobs_job")}
    assert "failed" not in statuses
    assert not db.execute("select count(*) from game_score where status='failed'").fetchone()[0]
