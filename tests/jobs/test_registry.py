"""Handlers and worker-start hooks are found in each app's `jobs` module at startup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh interpreter: in the test process something else may already have imported game.jobs.
PROBE = """
import django
django.setup()
from jobs import registry
registry.get_handler("score_explanation")
print(sorted(fn.__module__ for fn in registry._ON_START))
"""


def test_setup_alone_registers_every_apps_handlers_and_start_hooks() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "DJANGO_SETTINGS_MODULE": "latentpedia.settings"})
    assert "game.jobs" in out.stdout
