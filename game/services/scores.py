"""Finishing a score: the result, its cost, the shown score, points and settling, and the
message for the author."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from game.models import Explanation, Score
from game.scoring_keys import ScoringKey, current_key
from game.services import ledger, points
from scoring.base import ScoreResult

log = logging.getLogger(__name__)

# Both count as unfinished: a score waiting for budget is finished by the same job later.
UNFINISHED = (Score.Status.PENDING, Score.Status.WAITING_BUDGET)


def score_record(score_id: int, result: ScoreResult) -> bool:
    """Write a scorer's result. False when the score was already finished or is gone: a job
    re-run after a worker crash must not write, charge or pay a second time."""
    with transaction.atomic():
        updated = Score.objects.filter(pk=score_id, status__in=UNFINISHED).update(
            status=result.status,
            value=result.value if result.status == "ok" else None,
            stderr=result.stderr if result.status == "ok" else None,
            details=result.details,
            error=result.error,
            tokens_in=result.tokens_in,
            tokens_out=result.tokens_out,
            cost_usd=result.cost_usd,
            finished=timezone.now(),
        )
        if not updated:
            return False
        score = Score.objects.select_related("explanation__feature__source").get(pk=score_id)
        explanation = score.explanation
        ledger.scoring_usage_record(
            method=score.method, explanation=explanation, calls=result.calls, tokens_in=result.tokens_in,
            tokens_out=result.tokens_out, cost_usd=result.cost_usd, llm_model=result.details.get("model", ""),
        )
        # The shown score is the one under the game's current key; another method's score only
        # stands in until that one exists.
        if ScoringKey.of_score(score) == current_key(explanation.feature.source) or not explanation.score_method:
            Explanation.objects.filter(pk=explanation.pk).update(
                status=Explanation.Status.FAILED if result.status == "failed" else Explanation.Status.SCORED,
                score_value=score.value,
                score_method=score.method,
                score_version=score.version,
                score_pack_version=score.pack_version,
                score_stderr=score.stderr,
            )
        # Points and settling commit with the score; only the notification waits for commit.
        payload = score_recorded(explanation.pk)
        if payload is not None:
            transaction.on_commit(lambda: _announce(score_id, payload))
    return True


# A score is announced milliseconds after it commits; one still unannounced this long after is
# taken for lost (its worker died between the two) and announced by any worker.
ANNOUNCE_GRACE_S = 2.0
# Older than this, nobody is waiting on the page for it any more: its author sees it on the
# next visit ("while you were away").
ANNOUNCE_HORIZON_S = 600.0


def score_announce_unsent(score_id: int) -> bool:
    """Tell the author about a finished score whose announcement never went out (its worker
    died between the commit and the send). True when one was sent. The author may hear a score
    twice, never not at all: the event is keyed by the explanation, so a repeat is harmless."""
    score = Score.objects.filter(pk=score_id, announced=False).exclude(status__in=UNFINISHED).first()
    if score is None:
        return False
    explanation = Explanation.objects.select_related("feature", "author").filter(pk=score.explanation_id).first()
    if explanation is None:
        Score.objects.filter(pk=score_id).update(announced=True)  # nobody left to tell
        return False
    # Its award and the feature's settling committed with the score: only the message is owed.
    verdict = points.judge_against_best(explanation)
    _announce(score_id, _score_event(explanation, verdict))
    return True


def scores_announce_overdue(*, limit: int = 50) -> int:
    """Announce the recent scores whose announcement is overdue; returns how many were sent."""
    now = timezone.now()
    overdue = (
        Score.objects.filter(
            announced=False,
            finished__lt=now - timedelta(seconds=ANNOUNCE_GRACE_S),
            finished__gte=now - timedelta(seconds=ANNOUNCE_HORIZON_S),
        )
        .order_by("finished")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(score_announce_unsent(pk) for pk in list(overdue))


def score_fail(score_id: int, reason: str) -> bool:
    """Give up on a score for good (the job ran out of tries)."""
    return score_record(score_id, ScoreResult(status="failed", value=None, error=reason))


def _announce(score_id: int, payload: dict[str, Any]) -> None:
    from game import events

    try:
        events.announce_score(payload)
    except Exception:  # noqa: BLE001 - a lost notification must not undo a saved score
        log.exception("could not announce score for explanation %s", payload.get("explanation_id"))
        return
    try:
        Score.objects.filter(pk=score_id).update(announced=True)
    except Exception:  # noqa: BLE001 - unmarked, a re-run of the job only tells the author twice
        log.exception("could not mark score %s as announced", score_id)


def score_recorded(explanation_id: int) -> dict[str, Any] | None:
    """Pay the new-best award and re-settle the feature; return the `score` event payload
    (None for an unknown explanation). Idempotent: a job retried after a crash pays once."""
    explanation = Explanation.objects.select_related("feature", "author").filter(pk=explanation_id).first()
    if explanation is None:
        return None
    verdict = points.judge_against_best(explanation)
    points.award_new_best(explanation=explanation, verdict=verdict)
    points.feature_settle(explanation.feature)
    return _score_event(explanation, verdict)


def _score_event(explanation: Explanation, verdict: points.BestVerdict) -> dict[str, Any]:
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
