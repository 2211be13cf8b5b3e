"""Scoring explanations as durable background jobs.

A submission saves its explanation and calls `enqueue_scoring` in the same transaction,
so an explanation is never queued without being saved, nor saved without being queued.
The handler is idempotent: a worker killed mid-job leaves the lease to expire, another
worker runs the job again, and only a still-pending Score is ever written.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from game.models import ActivationRecord, Explanation, LlmUsage, Score
from game.scoring_keys import ScoringKey, current_key, key_for
from game.services.scores import score_recorded
from jobs import queue
from jobs.registry import Defer, RetryLater, job_handler, on_worker_start
from scoring.base import PermanentScoringError, Record, ScoreResult, ScoringInput, TransientScoringError

log = logging.getLogger(__name__)

SCORE_JOB = "score_explanation"
BUDGET_RECHECK_S = 300.0


def enqueue_scoring(explanation: Explanation, *, method: str | None = None) -> Score:
    """Create (or reuse) the Score row for `method` and a job to fill it. Must run inside the
    caller's transaction. The same text on the same feature with the same method is scored once."""
    key = key_for(explanation.feature.source, method)
    score, _ = Score.objects.get_or_create(explanation=explanation, **key.score_filter())
    if score.status in (Score.Status.OK, Score.Status.UNDEFINED):
        return score
    if score.status == Score.Status.FAILED:
        Score.objects.filter(pk=score.pk).update(status=Score.Status.PENDING, error="")
        score.refresh_from_db()
    queue.enqueue(SCORE_JOB, {"score_id": score.pk}, dedupe_key=f"score:{score.pk}")
    if explanation.status != Explanation.Status.QUEUED:
        Explanation.objects.filter(pk=explanation.pk).update(status=Explanation.Status.QUEUED)
        explanation.status = Explanation.Status.QUEUED
    return score


def retry_failed_score(score: Score) -> bool:
    """A moderator's retry: a failed score goes back to pending with a fresh job."""
    with transaction.atomic():
        if not Score.objects.filter(pk=score.pk, status=Score.Status.FAILED).exists():
            return False
        enqueue_scoring(score.explanation, method=score.method)
    return True


def scoring_input_for(explanation: Explanation) -> ScoringInput:
    """Held-out top records plus random non-activating ones, 1:1 as far as both exist."""
    feature = explanation.feature
    model = feature.source.model
    records = list(feature.records.filter(held_out=True, kind=ActivationRecord.Kind.TOP).order_by("rank"))
    if not records:
        # Older packs without held-out records: the lowest top records are the least likely clues.
        records = list(feature.records.filter(kind=ActivationRecord.Kind.TOP).order_by("-rank")[:5])
    randoms = list(feature.records.filter(kind=ActivationRecord.Kind.RANDOM).order_by("rank")[: len(records)])

    def as_record(r: ActivationRecord) -> Record:
        return Record(tokens=r.tokens(model), values=r.values())

    return ScoringInput(
        explanation=explanation.text,
        top_records=[as_record(r) for r in records],
        random_records=[as_record(r) for r in randoms],
        max_activation=feature.max_activation or None,
    )


def spent_today_usd() -> float:
    """Today's spend (UTC) on paid models, scoring and explaining together, from the ledger."""
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return float(LlmUsage.objects.filter(created__gte=start).aggregate(s=Sum("cost_usd"))["s"] or 0.0)


def budget_left_usd() -> float:
    return settings.SCORING_DAILY_BUDGET_USD - spent_today_usd()


def _budget_allows(method: str) -> bool:
    from scoring.registry import get_scorer

    scorer = get_scorer(method)
    if not getattr(scorer, "costs_money", False):
        return True
    return budget_left_usd() > 0


def _seconds_to_midnight() -> float:
    now = timezone.now()
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, min(BUDGET_RECHECK_S, (tomorrow - now).total_seconds()))


def _save_result(score_id: int, result: ScoreResult) -> bool:
    """Write the result once: only a score that is still pending can be finished."""
    with transaction.atomic():
        updated = Score.objects.filter(
            pk=score_id, status__in=[Score.Status.PENDING, Score.Status.WAITING_BUDGET]
        ).update(
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
        if result.calls or result.cost_usd:
            LlmUsage.objects.create(
                purpose=LlmUsage.Purpose.SCORE, method=score.method, llm_model=result.details.get("model", ""),
                explanation=score.explanation, calls=result.calls, tokens_in=result.tokens_in,
                tokens_out=result.tokens_out, cost_usd=result.cost_usd,
            )
        explanation = score.explanation
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
            transaction.on_commit(lambda: _announce(payload))
    return True


def _announce(payload: dict) -> None:
    from game import events

    try:
        events.announce_score(payload)
    except Exception:  # noqa: BLE001 - a lost notification must not undo a saved score
        log.exception("could not announce score for explanation %s", payload.get("explanation_id"))


def _mark_failed(payload: dict, reason: str) -> None:
    _save_result(payload["score_id"], ScoreResult(status="failed", value=None, error=reason))


@job_handler(SCORE_JOB, on_give_up=_mark_failed)
def score_explanation(payload: dict) -> None:
    from scoring.registry import get_scorer

    score = Score.objects.select_related("explanation__feature__source__model").filter(pk=payload["score_id"]).first()
    if score is None or score.status not in (Score.Status.PENDING, Score.Status.WAITING_BUDGET):
        return  # already finished (a re-run after a crash) or deleted
    if not _budget_allows(score.method):
        Score.objects.filter(pk=score.pk).update(status=Score.Status.WAITING_BUDGET)
        raise Defer("daily scoring budget spent", _seconds_to_midnight())
    Score.objects.filter(pk=score.pk).update(attempts=F("attempts") + 1)
    try:
        scorer = get_scorer(score.method)
    except KeyError as exc:
        raise PermanentScoringError(str(exc)) from exc
    _warm_up(scorer, score.explanation.feature.source.model)
    try:
        result = scorer.score(scoring_input_for(score.explanation))
    except TransientScoringError as exc:
        _record_failed_call(score, exc)
        raise RetryLater(str(exc), exc.retry_after_s) from exc
    except PermanentScoringError as exc:
        _record_failed_call(score, exc)
        raise
    _save_result(score.pk, result)


_WARMED: set[tuple[str, int, str]] = set()


def _warm_up(scorer, model) -> None:
    """Let a scorer precompute per-vocabulary work once per process (a speed cache only)."""
    key = (scorer.name if hasattr(scorer, "name") else type(scorer).__name__, model.pk, model.vocab_fingerprint)
    # Large vocabularies (GPT-2: 50k) would take minutes; their tokens are embedded as met.
    if key in _WARMED or not hasattr(scorer, "warm_up") or len(model.vocab) > 20000:
        return
    scorer.warm_up(list(model.vocab))
    _WARMED.add(key)


def _record_failed_call(score: Score, exc: Exception) -> None:
    """A failed call still costs money: it counts against the daily budget."""
    usage = getattr(exc, "usage", None) or {}
    if usage.get("calls") or usage.get("cost_usd"):
        LlmUsage.objects.create(
            purpose=LlmUsage.Purpose.SCORE, method=score.method, explanation=score.explanation,
            calls=usage.get("calls", 0), tokens_in=usage.get("tokens_in", 0),
            tokens_out=usage.get("tokens_out", 0), cost_usd=usage.get("cost_usd", 0.0),
        )


@on_worker_start
def _rescore_after_a_change() -> None:
    """A worker starting after the default scorer or the pack changed queues the rescoring."""
    from game.services.rescoring import rescore_in_play

    queued = rescore_in_play()
    if queued:
        log.info("queued %d in-play explanations for rescoring under the current scorer", queued)
