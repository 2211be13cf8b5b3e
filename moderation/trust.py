"""How much a player's report weighs, and when reports hide something by themselves.

A report's weight is the reporter's standing when they file it: a new account counts for
little, so a handful of fresh accounts cannot hide other people's work, while a few reports
from established players (an older account, a verified e-mail, points earned in the game,
past reports that moderators upheld) hide an explanation at once. Hiding by reports is never
the last word: the case stays open until a moderator decides, and a report a moderator
rejects lowers its reporter's future weight.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

# Reports on one explanation whose weights add up to this hide it until a moderator decides.
AUTO_HIDE_WEIGHT = 2.0

BASE_WEIGHT = 0.2  # any logged-in player
AGE_DAYS = 14
AGE_WEIGHT = 0.3
VERIFIED_WEIGHT = 0.3
POINTS_NEEDED = 50
POINTS_WEIGHT = 0.4
# Past decisions scale the sum: from 0.5 (every report rejected) to 1.5 (every one upheld),
# with a prior of one upheld and one rejected so that one decision does not swing it far.
RECORD_MIN, RECORD_MAX = 0.5, 1.5
MAX_WEIGHT = 2.0


@dataclass(frozen=True)
class Standing:
    weight: float
    reasons: tuple[str, ...]


def _verified_email(user) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user=user, verified=True).exists()


def _record(user) -> tuple[int, int]:
    from moderation.models import Report

    outcomes = list(Report.objects.filter(reporter=user).exclude(outcome="").values_list("outcome", flat=True))
    upheld = sum(1 for o in outcomes if o == Report.Outcome.UPHELD)
    return upheld, len(outcomes) - upheld


def reporter_standing(user) -> Standing:
    """The weight of `user`'s next report, and what earned it (shown to moderators)."""
    from game.services.points import points_total
    from moderation.models import is_moderator

    if is_moderator(user):
        return Standing(AUTO_HIDE_WEIGHT, ("moderator",))
    weight, reasons = BASE_WEIGHT, ["player"]
    established = (timezone.now() - user.date_joined).days >= AGE_DAYS
    if established:
        weight += AGE_WEIGHT
        reasons.append(f"account older than {AGE_DAYS} days")
    # A throwaway address verifies as easily as a real one: it counts only on an older account.
    if established and _verified_email(user):
        weight += VERIFIED_WEIGHT
        reasons.append("verified e-mail")
    if points_total(user=user) >= POINTS_NEEDED:
        weight += POINTS_WEIGHT
        reasons.append(f"{POINTS_NEEDED}+ points")
    upheld, rejected = _record(user)
    if upheld or rejected:
        share = (upheld + 1) / (upheld + rejected + 2)
        weight *= RECORD_MIN + (RECORD_MAX - RECORD_MIN) * share
        reasons.append(f"{upheld} of {upheld + rejected} past reports upheld")
    return Standing(round(min(MAX_WEIGHT, weight), 3), tuple(reasons))
