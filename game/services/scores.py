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
    best = points.previous_best(explanation)
    points.award_new_best(explanation=explanation, best=best)
    points.feature_settle(explanation.feature)
    return {
        "type": "score",
        "explanation_id": explanation.pk,
        "status": explanation.status,
        "score": explanation.score_value,
        "score_method": explanation.score_method or None,
        "beat_best": points.beats_best(explanation.score_value, best),
        # A failure's reason (its first line), so the author sees why, never a number.
        "error": _failure_reason(explanation),
        "previous_best": best,
    }


def _failure_reason(explanation: Explanation) -> str | None:
    if explanation.status != Explanation.Status.FAILED:
        return None
    error = explanation.scores.filter(status="failed").order_by("-finished").values_list("error", flat=True).first()
    return (error or "").splitlines()[0][:300] if error else None
