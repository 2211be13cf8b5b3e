"""Scoring explanations as durable background jobs: queueing them, and the handler that runs
a scorer. What a scorer sees is `selectors.scoring_input_for`; the cost ledger and budget are
`services.ledger`; writing the result, points and the announcement are `services.scores`.

A submission saves its explanation and calls `enqueue_scoring` in the same transaction,
so an explanation is never queued without being saved, nor saved without being queued.
The handler is idempotent: a worker killed mid-job leaves the lease to expire, another
worker runs the job again, and only a still-pending Score is ever written.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from game.models import Explanation, Score
from game.scoring_keys import ScoringKey, key_for
from game.selectors import scoring_input_for
from game.services import ledger
from game.services.scores import UNFINISHED, score_announce_unsent, score_fail, score_record, scores_announce_overdue
from jobs import queue
from jobs.models import Job
from jobs.registry import Defer, RetryLater, every, job_handler, on_worker_start
from scoring.base import PermanentScoringError, TransientScoringError

log = logging.getLogger(__name__)

SCORE_JOB = "score_explanation"
RECHECK_EXPLICIT_JOB = "recheck_explicit"
PREPARE_CLUES_JOB = "prepare_clues"
# Ahead of the pack's baseline scores (10), behind players' own explanations (0): until it has
# run, each feature's first puzzle builds its clues itself.
PREPARE_CLUES_PRIORITY = 5


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


def queue_scores(explanation_ids: list[int], key: ScoringKey, *, priority: int, batch: int = 500) -> int:
    """`enqueue_scoring` for many explanations at once (imports, rescoring): a Score row under
    `key` and a job for each that has no score under it yet. Returns how many jobs were queued."""
    queued = 0
    for lo in range(0, len(explanation_ids), batch):
        chunk = explanation_ids[lo : lo + batch]
        with transaction.atomic():
            Score.objects.bulk_create([Score(explanation_id=e, **key.score_filter()) for e in chunk], ignore_conflicts=True)
            score_ids = list(
                Score.objects.filter(explanation_id__in=chunk, status=Score.Status.PENDING, **key.score_filter())
                .values_list("id", flat=True)
            )
            now = timezone.now()
            Job.objects.bulk_create(
                [
                    Job(name=SCORE_JOB, payload={"score_id": s}, dedupe_key=f"score:{s}", priority=priority,
                        run_after=now, max_attempts=settings.JOB_MAX_ATTEMPTS)
                    for s in score_ids
                ],
                ignore_conflicts=True,
            )
        queued += len(score_ids)
    return queued


def scoring_withdraw(explanation: Explanation) -> bool:
    """Take an explanation's waiting scoring jobs off the queue (its author is changing the
    text). False, withdrawing nothing, when a worker is already scoring it. Must run inside the
    caller's transaction, which queues the new text again."""
    keys = [f"score:{pk}" for pk in explanation.scores.filter(status__in=UNFINISHED).values_list("pk", flat=True)]
    if not keys:
        return True
    if Job.objects.filter(dedupe_key__in=keys, status=Job.Status.RUNNING).exists():
        return False
    queue.cancel(dedupe_keys=keys, reason="Its author changed the text; queued again.", running=False)
    # A worker may have claimed one between the two queries: then the text is fixed after all.
    return not Job.objects.filter(dedupe_key__in=keys, status=Job.Status.RUNNING).exists()


def score_reopen(score_id: int) -> bool:
    """Put a failed score back to pending, for its failed job being retried as it is (the
    operators' Retry): without this the job would find nothing left to do."""
    score = Score.objects.filter(pk=score_id, status=Score.Status.FAILED).select_related("explanation").first()
    if score is None:
        return False
    Score.objects.filter(pk=score.pk).update(status=Score.Status.PENDING, error="")
    Explanation.objects.filter(pk=score.explanation_id, status=Explanation.Status.FAILED).update(
        status=Explanation.Status.QUEUED
    )
    return True


def retry_failed_score(score: Score) -> bool:
    """A moderator's retry: a failed score goes back to pending with a fresh job."""
    with transaction.atomic():
        if not Score.objects.filter(pk=score.pk, status=Score.Status.FAILED).exists():
            return False
        enqueue_scoring(score.explanation, method=score.method)
    return True


def _mark_failed(payload: dict, reason: str) -> None:
    score_fail(payload["score_id"], reason)


@job_handler(SCORE_JOB, on_give_up=_mark_failed)
def score_explanation(payload: dict) -> None:
    from scoring.registry import get_scorer

    score = Score.objects.select_related("explanation__feature__source__model").filter(pk=payload["score_id"]).first()
    if score is None:
        return  # deleted
    if score.status not in UNFINISHED:
        # A re-run after a crash: the result is saved, but the author may not have heard of it.
        score_announce_unsent(score.pk)
        return
    if not ledger.budget_allows(score.method):
        Score.objects.filter(pk=score.pk).update(status=Score.Status.WAITING_BUDGET)
        raise Defer("daily scoring budget spent", ledger.seconds_to_budget_recheck())
    Score.objects.filter(pk=score.pk).update(attempts=F("attempts") + 1)
    try:
        scorer = get_scorer(score.method)
    except KeyError as exc:
        raise PermanentScoringError(str(exc)) from exc
    _warm_up(scorer, score.explanation.feature.source.model)
    try:
        result = scorer.score(scoring_input_for(score.explanation))
    except (TransientScoringError, PermanentScoringError) as exc:
        ledger.failed_call_record(method=score.method, explanation=score.explanation, exc=exc)
        if isinstance(exc, TransientScoringError):
            raise RetryLater(str(exc), exc.retry_after_s) from exc
        raise
    score_record(score.pk, result)


_WARMED: set[tuple[str, int, str]] = set()


def _warm_up(scorer, model) -> None:
    """Let a scorer precompute per-vocabulary work once per process (a speed cache only)."""
    key = (scorer.name if hasattr(scorer, "name") else type(scorer).__name__, model.pk, model.vocab_fingerprint)
    # Large vocabularies (GPT-2: 50k) would take minutes; their tokens are embedded as met.
    if key in _WARMED or not hasattr(scorer, "warm_up") or len(model.vocab) > 20000:
        return
    scorer.warm_up(list(model.vocab))
    _WARMED.add(key)


# How often each worker looks for scores whose announcement was lost (one indexed query).
ANNOUNCE_SWEEP_S = 1.0


@every(ANNOUNCE_SWEEP_S)
def _announce_lost_scores() -> None:
    """A worker killed between saving a score and telling its author leaves the author waiting
    until its job's lease runs out; any live worker tells them within seconds instead."""
    sent = scores_announce_overdue()
    if sent:
        log.info("announced %d score(s) whose announcement was lost", sent)


@on_worker_start
def _rescore_after_a_change() -> None:
    """A worker starting after the default scorer or the pack changed queues the rescoring."""
    from game.services.rescoring import rescore_in_play

    queued = rescore_in_play()
    if queued:
        log.info("queued %d in-play explanations for rescoring under the current scorer", queued)


def enqueue_explicit_recheck() -> None:
    """Mark clues explicit again with the current word list (after moderators change it), in
    the background: it reads every record. One pending recheck covers any number of changes."""
    queue.enqueue(RECHECK_EXPLICIT_JOB, {}, dedupe_key=RECHECK_EXPLICIT_JOB, priority=5)


@job_handler(RECHECK_EXPLICIT_JOB)
def recheck_explicit(payload: dict) -> None:
    from game.services.moderation import records_recheck_explicit

    result = records_recheck_explicit()
    log.info("explicit recheck: %s records, %s explicit, %s changed", result.checked, result.explicit, result.changed)


def enqueue_clue_preparation(source) -> None:
    """Prepare a source's clues in the background (after an import replaced its records)."""
    queue.enqueue(PREPARE_CLUES_JOB, {"source_id": source.pk}, dedupe_key=f"{PREPARE_CLUES_JOB}:{source.pk}",
                  priority=PREPARE_CLUES_PRIORITY)


@job_handler(PREPARE_CLUES_JOB)
def prepare_clues(payload: dict) -> None:
    from game.clues import prepare_source
    from game.models import Source

    source = Source.objects.select_related("model").filter(pk=payload["source_id"]).first()
    if source is None:  # deleted since: nothing to prepare
        return
    log.info("prepared clues of %d features of %s", prepare_source(source), source)
