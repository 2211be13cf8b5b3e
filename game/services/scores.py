"""What follows a finished score: points, settling, and the message for the author."""

from __future__ import annotations

from typing import Any

from game.models import Explanation
from game.services import points


def score_recorded(explanation_id: int) -> dict[str, Any] | None:
    """Pay the new-best award and re-settle the feature; return the `score` event payload
    (None for an unknown explanation). Idempotent: a job retried after a crash pays once."""
    explanation = Explanation.objects.select_related("feature", "author").filter(pk=explanation_id).first()
    if explanation is None:
        return None
    verdict = points.judge_new_best(explanation, points.best_rival(explanation))
    points.award_new_best(explanation=explanation, verdict=verdict)
    points.feature_settle(explanation.feature)
    return {
        "type": "score",
        "explanation_id": explanation.pk,
        "status": explanation.status,
        "score": explanation.score_value,
        "score_stderr": explanation.score_stderr,
        "score_method": explanation.score_method or None,
        "score_version": explanation.score_version or None,
        "pack_version": explanation.score_pack_version or None,
        "beat_best": verdict.beat,
        "previous_best": verdict.previous_best,
        "difference": verdict.difference,
        "noise": verdict.noise,
        # The verdict in words for the result card: why it is or is not a new best.
        "verdict": verdict.message,
        # A failure's reason (its first line), so the author sees why, never a number.
        "error": _failure_reason(explanation),
    }


def _failure_reason(explanation: Explanation) -> str | None:
    if explanation.status != Explanation.Status.FAILED:
        return None
    error = explanation.scores.filter(status="failed").order_by("-finished").values_list("error", flat=True).first()
    return (error or "").splitlines()[0][:300] if error else None
