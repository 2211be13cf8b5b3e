"""Events that tell connected clients something changed (over channels groups)."""

from __future__ import annotations


def score_finished(explanation_id: int) -> None:
    """Called by the scoring job after a score (ok, undefined or failed) is saved."""
