"""Reads: a player's daily streak, the run of UTC days up to today on which they played.

A day counts when the player voted, wrote an explanation, answered a simulation task or a
this-or-that pair. Yesterday's streak still stands until today ends, so a player is never told
their streak broke before they had the chance to keep it.
"""

from __future__ import annotations

import datetime as dt

from game.models import Comparison, Explanation, SimulationTask, Vote

LOOK_BACK_DAYS = 400


def play_days(user, *, since: dt.date) -> set[dt.date]:
    start = dt.datetime.combine(since, dt.time.min, tzinfo=dt.UTC)
    days: set[dt.date] = set()
    for qs, field in (
        (Vote.objects.filter(user=user, created__gte=start), "created"),
        (Explanation.objects.filter(author=user, created__gte=start), "created"),
        (SimulationTask.objects.filter(user=user, answered__gte=start), "answered"),
        (Comparison.objects.filter(user=user, answered__gte=start), "answered"),
    ):
        days.update(d.date() for d in qs.datetimes(field, "day", tzinfo=dt.UTC))
    return days


def streak(user, *, today: dt.date | None = None) -> dict:
    """`{days, played_today, best}`: the current run (ending today, or yesterday if today is not
    played yet), whether today is played, and the longest run within the look-back."""
    today = today or dt.datetime.now(dt.UTC).date()
    days = play_days(user, since=today - dt.timedelta(days=LOOK_BACK_DAYS))
    played_today = today in days
    day = today if played_today else today - dt.timedelta(days=1)
    current = 0
    while day in days:
        current += 1
        day -= dt.timedelta(days=1)
    best = run = 0
    previous: dt.date | None = None
    for d in sorted(days):
        run = run + 1 if previous is not None and d - previous == dt.timedelta(days=1) else 1
        best = max(best, run)
        previous = d
    return {"days": current, "played_today": played_today, "best": best}
