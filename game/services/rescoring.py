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

from game.models import Explanation, Feature, Score, Source
from game.scoring_keys import current_key

# Lower runs first: players' new explanations (0) and baselines go ahead of rescoring.
RESCORE_PRIORITY = 20


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
    from game.jobs import queue_scores

    queued = 0
    for source in Source.objects.filter(features__in=Feature.objects.in_play()).distinct():
        ids = list(stale_explanations(source).values_list("id", flat=True))
        queued += queue_scores(ids, current_key(source), priority=RESCORE_PRIORITY)
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

    try:
        cached = cache.get("rescoring-notice")
    except Exception:  # noqa: BLE001 - the cache (Redis) is down: say nothing rather than fail the puzzle
        return None
    if cached is None:
        pending = rescoring_pending()
        cached = (
            f"Scores are being recomputed with the current scorer ({settings.SCORING_METHOD}); "
            f"{pending} explanation{'s' if pending != 1 else ''} still to go. Your standing may move until it is done."
            if pending else ""
        )
        try:
            cache.set("rescoring-notice", cached, NOTICE_CACHE_S)
        except Exception:  # noqa: BLE001 - as above
            pass
    return cached or None
