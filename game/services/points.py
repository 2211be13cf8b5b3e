"""Points, settling a feature, and leaderboards.

The rules (game/POINTS.md says the same for players; keep them in step):

- Skipping, flagging, submitting and voting earn nothing by themselves, so quick,
  careless play does not pay.
- **New best** (+10): your explanation's score beats the feature's previous best score (same
  scoring method, scorer version and records) by more than the scorer's noise: twice the
  standard error of the difference, from a paired bootstrap over the records both were
  scored on, and never less than 0.02; the score must be at least 0.1. A gain within the
  noise earns nothing, and the result card says so.
- **Settled best** (+25): your explanation becomes the feature's settled best explanation
  (see `feature_settle`). Writing the best explanation earns most.
- **Consensus** (+3): you voted for an explanation before it became the settled best.
  Votes cast after a feature settled earn nothing: following the crowd is not agreement.
- **Votes received** (+1 each): another player votes for your explanation; at most
  10 such points per player per UTC day, so vote rings do not pay. A vote taken back
  takes its point back.

A feature **settles** on its best-scored visible explanation (score at least 0.3) when
either the players agree with the score — the feature has at least 5 votes and that
explanation has the most votes — or the score leads clearly: at least 0.2 above every
other scored explanation of the feature. It also settles on any explanation scoring at least
0.3 that the **weighted consensus** picks with confidence 0.95 or more from at least 3 votes:
each vote weighs by its player's measured accuracy on check puzzles (`game.consensus`), so
measured players can overrule the scorer and careless or adversarial ones cannot. The
feature page says which rule settled it. The settled explanation can change when a
better one arrives; points already earned stay.

An author deleting their explanation (`explanations.explanation_delete`), a moderator hiding
it or banning its author (`standing`) takes back every award tied to it with `reversed` rows
dated like the awards (`compensation`), and the feature settles again; unhiding or unbanning
gives them back with `restored` rows. A banned player's votes stop counting, and the points
their votes earned authors are taken back the same way.

Every award is one `PointsEvent` row guarded by a unique constraint, so retries and races
never pay twice; boards for a day, a week (from Monday, UTC) or all time are sums.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from game.consensus import feature_consensus
from game.models import (
    DailyCounter,
    Explanation,
    Feature,
    PlantedFeature,
    PointsEvent,
    Score,
    Vote,
)
from game.scoring_keys import ScoringKey, current_key
from game.services.compensation import award_delete
from game.services.counters import counter_take
from scoring.uncertainty import score_difference

NEW_BEST_POINTS = 10
NEW_BEST_MARGIN = 0.02
NEW_BEST_NOISE_SE = 2.0
NEW_BEST_MIN_SCORE = 0.1
SETTLED_BEST_POINTS = 25
CONSENSUS_POINTS = 3
VOTE_RECEIVED_POINTS = 1
VOTE_POINTS_DAILY_CAP = 10

SETTLE_MIN_SCORE = 0.3
SETTLE_MIN_VOTES = 5
SETTLE_SCORE_LEAD = 0.2

PERIODS = ("day", "week", "all")
# Boards per mode: which awards count towards each (a taken-back or given-back award counts
# where the award it compensates does).
MODES: dict[str, tuple[str, ...]] = {
    "explain": (PointsEvent.Reason.NEW_BEST, PointsEvent.Reason.SETTLED_BEST, PointsEvent.Reason.VOTE_RECEIVED),
    "vote": (PointsEvent.Reason.CONSENSUS, PointsEvent.Reason.GOLD_CORRECT),
    "simulate": (PointsEvent.Reason.SIMULATION,),
}


def _award(*, user, points: int, reason: str, explanation: Explanation | None = None,
           feature: Feature | None = None, other_user=None) -> bool:
    """Record one award; False when it was already recorded (the constraint says so)."""
    try:
        with transaction.atomic():
            PointsEvent.objects.create(
                user=user, points=points, reason=reason, explanation=explanation, feature=feature,
                other_user=other_user,
            )
    except IntegrityError:
        return False
    return True


# --- Votes received ---------------------------------------------------------------------


def award_vote_received(*, vote: Vote) -> bool:
    """+1 to the author of the voted explanation, within the daily cap."""
    explanation = vote.explanation
    author_id = explanation.author_id
    if author_id is None or author_id == vote.user_id:
        return False
    author = get_user_model()(pk=author_id)
    with transaction.atomic():
        if not counter_take(user=author, kind=DailyCounter.Kind.VOTE_POINTS, limit=VOTE_POINTS_DAILY_CAP):
            return False
        awarded = _award(
            user=author, points=VOTE_RECEIVED_POINTS, reason=PointsEvent.Reason.VOTE_RECEIVED,
            explanation=explanation, feature=None, other_user=vote.user,
        )
        if not awarded:
            transaction.set_rollback(True)  # give the cap unit back
        return awarded


def revoke_vote_received(*, explanation: Explanation, voter) -> None:
    award_delete(PointsEvent.objects.filter(
        reason=PointsEvent.Reason.VOTE_RECEIVED, explanation=explanation, other_user=voter
    ))


# --- Scores -----------------------------------------------------------------------------


def best_rival(explanation: Explanation) -> Explanation | None:
    """The best-scored other visible explanation of the feature, under the same key as this
    explanation's shown score (never a score of another method, version or pack)."""
    key = ScoringKey.of_explanation(explanation)
    if key is None:
        return None
    return (
        Explanation.objects.filter(
            feature_id=explanation.feature_id, hidden=False, score_value__isnull=False, **key.explanation_filter()
        )
        .exclude(pk=explanation.pk)
        .exclude(status=Explanation.Status.DRAFT)
        .order_by("-score_value", "created")
        .first()
    )


def previous_best(explanation: Explanation) -> float | None:
    rival = best_rival(explanation)
    return rival.score_value if rival is not None else None


@dataclass(frozen=True)
class BestVerdict:
    """Whether a score is a new best, and why, in words the result card shows."""

    beat: bool
    previous_best: float | None
    difference: float | None = None
    noise: float | None = None  # NEW_BEST_NOISE_SE standard errors of the difference
    paired: bool = False
    message: str = ""


def _shown_score_details(explanation: Explanation) -> dict:
    key = ScoringKey.of_explanation(explanation)
    if key is None:
        return {}
    details = Score.objects.filter(explanation=explanation, **key.score_filter()).values_list("details", flat=True).first()
    return details or {}


def judge_against_best(explanation: Explanation) -> BestVerdict:
    """`judge_new_best` against the feature's best other explanation now."""
    return judge_new_best(explanation, best_rival(explanation))


def judge_new_best(explanation: Explanation, rival: Explanation | None) -> BestVerdict:
    """A new best must clear the best so far by more than the scorer's noise on these records:
    NEW_BEST_NOISE_SE standard errors of the paired difference, and never less than NEW_BEST_MARGIN."""
    value = explanation.score_value
    best = rival.score_value if rival is not None else None
    if value is None:
        return BestVerdict(False, best, message="")
    if value < NEW_BEST_MIN_SCORE:
        return BestVerdict(False, best, message=(
            f"Scored {value:.2f}: a new best needs at least {NEW_BEST_MIN_SCORE:.2f}, and a score near 0 "
            "means the simulator could not predict the activations from this explanation."))
    if rival is None or best is None:
        return BestVerdict(True, None, message=f"Scored {value:.2f}, the first score on this feature: a new best.")
    diff = score_difference(
        _shown_score_details(explanation), value, explanation.score_stderr,
        _shown_score_details(rival), best, rival.score_stderr,
    )
    noise = max(NEW_BEST_MARGIN, NEW_BEST_NOISE_SE * diff.stderr)
    if diff.value <= 0:
        return BestVerdict(False, best, diff.value, noise, diff.paired, message=(
            f"Scored {value:.2f}, below the best so far ({best:.2f}). Try to say more precisely "
            "which tokens it fires on, and in what context."))
    if diff.value < noise:
        return BestVerdict(False, best, diff.value, noise, diff.paired, message=(
            f"Scored {value:.2f} against the best so far, {best:.2f}: a gain of {diff.value:.2f} is within the "
            f"scorer's noise on these records (\u00b1{noise:.2f}), so it does not count as a new best."))
    return BestVerdict(True, best, diff.value, noise, diff.paired, message=(
        f"New best: {value:.2f} beats the best so far ({best:.2f}) by {diff.value:.2f}, more than the "
        f"scorer's noise on these records (\u00b1{noise:.2f})."))


def award_new_best(*, explanation: Explanation, verdict: BestVerdict) -> bool:
    if explanation.author_id is None or explanation.hidden or not verdict.beat:
        return False
    return _award(
        user=explanation.author, points=NEW_BEST_POINTS, reason=PointsEvent.Reason.NEW_BEST,
        explanation=explanation, feature=explanation.feature,
    )


# --- Settling -----------------------------------------------------------------------------


SETTLE_CONSENSUS_MIN_VOTES = 3


def settle_candidate(feature: Feature) -> Explanation | None:
    """The explanation the rules say the feature settles on now, or None."""
    return settle_decision(feature)[0]


def settle_decision(feature: Feature) -> tuple[Explanation | None, str]:
    """The explanation the feature settles on now (or None), and why, in words."""
    if PlantedFeature.objects.filter(feature=feature).exists():
        return None, ""  # gold never settles: the mark would give its answer away
    best, reason = _settle_by_score_and_votes(feature)
    if best is not None:
        return best, reason
    consensus = feature_consensus(feature)
    chosen = consensus.best
    if (consensus.settled and consensus.votes >= SETTLE_CONSENSUS_MIN_VOTES and chosen.score_value is not None
            and chosen.score_value >= SETTLE_MIN_SCORE):
        return chosen, consensus.reason()
    return None, ""


def _settle_by_score_and_votes(feature: Feature) -> tuple[Explanation | None, str]:
    # Only scores under the game's current key compete: a stale or other-method score waits
    # for its rescoring rather than being compared across scales.
    scored = list(
        Explanation.objects.filter(
            feature=feature, hidden=False, score_value__isnull=False, **current_key(feature.source).explanation_filter()
        )
        .exclude(status=Explanation.Status.DRAFT)
        .order_by("-score_value", "created")[:2]
    )
    if not scored or scored[0].score_value < SETTLE_MIN_SCORE:
        return None, ""
    best = scored[0]
    if len(scored) > 1 and best.score_value - scored[1].score_value >= SETTLE_SCORE_LEAD:
        return best, (f"Settled on the best score: {best.score_value:.2f}, at least {SETTLE_SCORE_LEAD} above "
                      f"every other explanation.")
    if feature.vote_count >= SETTLE_MIN_VOTES:
        top_votes = (
            Explanation.objects.filter(feature=feature, hidden=False).order_by("-vote_count")
            .values_list("vote_count", flat=True).first()
        )
        if best.vote_count > 0 and best.vote_count >= (top_votes or 0):
            return best, (f"Settled where players and the score agree: the best-scored explanation has the most "
                          f"votes ({best.vote_count} of {feature.vote_count}).")
    return None, ""


def feature_settle(feature: Feature) -> Explanation | None:
    """Re-decide the feature's settled best explanation and pay the awards it earns.

    Locks the feature row, so parallel votes and scores settle one at a time.
    Returns the settled explanation (which may be unchanged, or None).
    """
    with transaction.atomic():
        feature = Feature.objects.select_for_update().get(pk=feature.pk)
        candidate, reason = settle_decision(feature)
        if candidate is None and feature.settled_explanation_id is not None:
            # Settled on an explanation that no longer counts (hidden, or its author banned):
            # the feature is open again until one qualifies.
            if Explanation.objects.filter(pk=feature.settled_explanation_id, hidden=True).exists():
                Feature.objects.filter(pk=feature.pk).update(settled_explanation=None, settled_reason="")
        if candidate is None or candidate.pk == feature.settled_explanation_id:
            if candidate is not None and reason != feature.settled_reason:
                Feature.objects.filter(pk=feature.pk).update(settled_reason=reason)
            return candidate
        Feature.objects.filter(pk=feature.pk).update(settled_explanation=candidate, settled_reason=reason)
        if candidate.author_id:
            _award(
                user=candidate.author, points=SETTLED_BEST_POINTS, reason=PointsEvent.Reason.SETTLED_BEST,
                explanation=candidate, feature=feature,
            )
        # Everyone who voted for it before now agreed with the consensus.
        # A deleted player's vote still counts towards settling but has nobody left to pay.
        voters = Vote.objects.filter(explanation=candidate, user__isnull=False).exclude(user_id=candidate.author_id)
        PointsEvent.objects.bulk_create(
            [
                PointsEvent(
                    user_id=uid, points=CONSENSUS_POINTS, reason=PointsEvent.Reason.CONSENSUS,
                    explanation=candidate, feature=feature,
                )
                for uid in voters.values_list("user_id", flat=True)
            ],
            ignore_conflicts=True,
        )
        return candidate


# --- Boards --------------------------------------------------------------------------------


def period_start(period: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Start of the period in UTC; None for all time. ValueError for an unknown period."""
    if period not in PERIODS:
        raise ValueError(period)
    now = now or dt.datetime.now(dt.UTC)
    day = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "day":
        return day
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    return None


def points_total(*, user, period: str = "all") -> int:
    start = period_start(period)
    qs = PointsEvent.objects.filter(user=user)
    if start is not None:
        qs = qs.filter(created__gte=start)
    return qs.aggregate(total=Sum("points"))["total"] or 0


def leaderboard(*, period: str, mode: str = "all", limit: int = 50) -> list[dict[str, Any]]:
    """Ranked entries `{rank, username, points}`; equal points share a rank (1, 1, 3).
    `mode` "all" sums every award; another mode only its own (`MODES`)."""
    start = period_start(period)
    filt = Q(points_events__created__gte=start) if start is not None else Q()
    if mode != "all":
        reasons = MODES[mode]
        filt &= Q(points_events__reason__in=reasons) | Q(points_events__reverses__reason__in=reasons)
    rows = (
        get_user_model().objects.filter(is_active=True)
        .annotate(total=Sum("points_events__points", filter=filt))
        .filter(total__gt=0)
        .order_by("-total", "username")
        .values_list("username", "total")[:limit]
    )
    entries: list[dict[str, Any]] = []
    for position, (username, total) in enumerate(rows, start=1):
        rank = entries[-1]["rank"] if entries and entries[-1]["points"] == total else position
        entries.append({"rank": rank, "username": username, "points": total})
    return entries
