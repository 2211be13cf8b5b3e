"""Rescoring when the default scorer, its version or the pack changes.

Scores are only compared under one key (method, scorer version, pack version); after a
change, the explanations of features in play have no score under the new key, so nothing
new could ever beat them and settling would stall. Offline scoring costs nothing, so they
are all queued again in the background, at low priority so that players' new explanations
go first. Idempotent: an explanation that already has a score (or a pending one) under the
current key is left alone.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from game.models import Explanation, Feature, Score, Source
from game.scoring_keys import current_key
from jobs.models import Job

# Lower runs first: players' new explanations (0) and baselines go ahead of rescoring.
RESCORE_PRIORITY = 20
BATCH = 500


def stale_explanations(source: Source):
    """In-play explanations of `source` that have no score under the current key yet."""
    key = current_key(source)
    return (
        Explanation.objects.filter(feature__in=Feature.objects.in_play().filter(source=source), hidden=False)
        .exclude(status=Explanation.Status.DRAFT)
        .exclude(**key.explanation_filter())
        .exclude(id__in=Score.objects.filter(**key.score_filter()).values("explanation_id"))
    )


def rescore_in_play() -> int:
    """Queue a score under the current key for every in-play explanation that lacks one.
    Returns how many were queued."""
    from game.jobs import SCORE_JOB

    queued = 0
    for source in Source.objects.filter(features__in=Feature.objects.in_play()).distinct():
        key = current_key(source)
        ids = list(stale_explanations(source).values_list("id", flat=True))
        for lo in range(0, len(ids), BATCH):
            chunk = ids[lo : lo + BATCH]
            with transaction.atomic():
                Score.objects.bulk_create(
                    [Score(explanation_id=e, **key.score_filter()) for e in chunk], ignore_conflicts=True
                )
                score_ids = Score.objects.filter(
                    explanation_id__in=chunk, status__in=[Score.Status.PENDING], **key.score_filter()
                ).values_list("id", flat=True)
                Job.objects.bulk_create(
                    [
                        Job(name=SCORE_JOB, payload={"score_id": s}, dedupe_key=f"score:{s}", priority=RESCORE_PRIORITY,
                            run_after=timezone.now(), max_attempts=settings.JOB_MAX_ATTEMPTS)
                        for s in score_ids
                    ],
                    ignore_conflicts=True,
                )
            queued += len(chunk)
    return queued


def rescoring_pending() -> int:
    """In-play explanations whose shown score is not yet under the current key: while this
    is above zero, players are told their standing may move."""
    pending = 0
    for source in Source.objects.filter(features__in=Feature.objects.in_play()).distinct():
        key = current_key(source)
        pending += (
            Explanation.objects.filter(feature__in=Feature.objects.in_play().filter(source=source), hidden=False)
            .exclude(status=Explanation.Status.DRAFT)
            .exclude(**key.explanation_filter())
            .count()
        )
    return pending


NOTICE_CACHE_S = 30


def standing_notice() -> str | None:
    """What players are told while rescoring runs (cached briefly: it is on every puzzle)."""
    from django.core.cache import cache

    cached = cache.get("rescoring-notice")
    if cached is None:
        pending = rescoring_pending()
        cached = (
            f"Scores are being recomputed with the current scorer ({settings.SCORING_METHOD}); "
            f"{pending} explanation{'s' if pending != 1 else ''} still to go. Your standing may move until it is done."
            if pending else ""
        )
        cache.set("rescoring-notice", cached, NOTICE_CACHE_S)
    return cached or None
