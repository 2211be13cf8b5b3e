"""Telling a player what became of their explanations while they were away: the scores that
finished since the page last showed them, and moving that mark once it has."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.models import Profile
from accounts.profiles import profile_for
from game.models import Explanation, Score

# A player back after a long time is told about the latest few, not a backlog.
RESULTS_SHOWN = 20


def results_unseen(user) -> dict[str, Any]:
    """`{until, results}`: the player's explanations whose scoring finished (scored or failed)
    after their mark and up to now, newest first. A player never marked is told nothing older
    than their last login: everything before it was theirs to see then."""
    profile = profile_for(user)
    until = timezone.now()
    since = profile.results_seen_until or user.last_login or user.date_joined
    finished = (
        Score.objects.filter(explanation__author=user, finished__gt=since, finished__lte=until,
                             status__in=[Score.Status.OK, Score.Status.FAILED])
        .values("explanation_id").annotate(at=Max("finished")).order_by("-at")[:RESULTS_SHOWN]
    )
    at = {row["explanation_id"]: row["at"] for row in finished}
    explanations = (
        Explanation.objects.filter(pk__in=at, hidden=False).select_related("feature__source__model")
    )
    results = sorted(
        ({"explanation_id": e.pk, "text": e.text, "feature": e.feature.ref.as_dict(), "status": e.status,
          "score": e.score_value, "finished": at[e.pk].isoformat()} for e in explanations),
        key=lambda r: r["finished"], reverse=True,
    )
    return {"until": until.isoformat(), "results": results}


def results_mark_seen(user, *, until: dt.datetime) -> dt.datetime:
    """Results finished up to `until` were shown. The mark never moves back (two tabs), nor
    past now (a clock from the client)."""
    until = min(until, timezone.now())
    profile = profile_for(user)
    mark = max(until, profile.results_seen_until) if profile.results_seen_until else until
    Profile.objects.filter(pk=profile.pk).update(results_seen_until=mark)
    return mark
