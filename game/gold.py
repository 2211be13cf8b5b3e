"""Reads about gold puzzles: a player's measured reliability, and which planted feature to serve.

Reliability is estimated from answers on planted features only (their true explanation is
known); agreement with consensus on real features never feeds it, since that consensus is
itself weighted by reliability.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q

from calibration.reliability import Reliability, gold_rate
from game.hot_reads import feature_for_play
from game.models import Feature, GoldAnswer, PlantedFeature, SimulationTask
from game.pool import fresh_pool
from sqlreads import table


def player_reliability(user) -> Reliability:
    """The player's accuracy on gold puzzles, as a Beta posterior."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Reliability(correct=0, answered=0)
    # Read while choosing puzzles: written out, as the ORM's query costs more to build than to run.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), COUNT(CASE WHEN correct THEN 1 END) FROM {table(GoldAnswer)} WHERE user_id = %s",
                       [user.pk])
        answered, correct = cursor.fetchone()
    return Reliability(correct=correct, answered=answered)


def reliabilities(user_ids: list[int]) -> dict[int, Reliability]:
    """Many players' reliabilities in one query (for weighing the votes of a feature)."""
    rows = (
        GoldAnswer.objects.filter(user_id__in=user_ids).values("user_id")
        .annotate(answered=Count("pk"), correct=Count("pk", filter=Q(correct=True)))
    )
    out = {uid: Reliability(correct=0, answered=0) for uid in user_ids}
    for row in rows:
        out[row["user_id"]] = Reliability(correct=row["correct"], answered=row["answered"])
    return out


def player_gold_rate(user) -> float:
    return gold_rate(player_reliability(user), start=settings.GOLD_RATE_START, floor=settings.GOLD_RATE_FLOOR)


def prediction_skill(user) -> dict:
    """How well the player predicts where planted features fire from their true explanation:
    their human-simulation answers on gold, where the truth is a known rule."""
    rows = list(
        SimulationTask.objects.filter(
            user=user, answered__isnull=False, token_correlation__isnull=False,
            explanation__feature__planted__true_explanation=F("explanation"),
        ).values_list("token_correlation", flat=True)
    )
    return {"gold_predictions": len(rows), "mean_correlation": round(sum(rows) / len(rows), 3) if rows else None}


def skill_payload(user) -> dict:
    """The skill figures a player sees: accuracy on gold puzzles with its uncertainty, and how
    well they predict gold features from their true explanation."""
    rel = player_reliability(user)
    low, high = rel.interval(0.9)
    return {
        "gold_answered": rel.answered,
        "gold_correct": rel.correct,
        "accuracy": round(rel.mean, 3),
        "stderr": round(rel.stderr, 3),
        "interval_90": [round(low, 3), round(high, 3)],
        **prediction_skill(user),
    }


def gold_feature(user, *, rng: random.Random) -> Feature | None:
    """A planted feature for this player at their gold rate, or None (play a real one).

    Only planted features in play that the player has neither seen nor answered qualify."""
    roll = rng.random()
    # No player's rate exceeds the starting one: most puzzles are decided before any query.
    if roll >= settings.GOLD_RATE_START:
        return None
    if roll >= player_gold_rate(user):
        return None
    pool = [pk for pk, *_ in fresh_pool(user, gold=True)]
    if not pool:
        return None
    return feature_for_play(rng.choice(pool))


def is_planted(feature: Feature) -> bool:
    return PlantedFeature.objects.filter(feature=feature).exists()
