"""A worker process for the crash test: scoring with a slow scorer that records each
completion in a file, so the test can count how often the work really finished."""

from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
django.setup()

from jobs.worker import work  # noqa: E402
from scoring.base import ScoreResult  # noqa: E402
from scoring.registry import register  # noqa: E402


class SlowScorer:
    name = "test-slow"
    costs_money = False

    def score(self, data) -> ScoreResult:
        time.sleep(float(os.environ["SLOW_SCORE_S"]))
        with open(os.environ["COMPLETIONS_FILE"], "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return ScoreResult("ok", 0.42)


register("test-slow")(SlowScorer)

if __name__ == "__main__":
    work(worker_id=f"crash-test:{os.getpid()}", poll_s=0.1)
