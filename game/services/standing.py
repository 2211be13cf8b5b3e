"""Whether an explanation and a player's votes count: hiding and unhiding an explanation, and
suspending and reinstating a banned player's part of the game.

An explanation is out of play (`hidden`) while a moderator hides it (`moderator_hidden`) or its
author is banned (`author_banned`); the two are separate so that lifting a ban does not unhide
what a moderator hid, nor the reverse. Out of play means out of puzzles, settling, boards,
search and exports: every point it earned anyone (its author's new best and settled best,
votes received, its voters' consensus) is taken back, and given back when it returns to play.

A banned player's votes stop counting (`Vote.counted`; the `vote_count` fields follow) and the
points those votes earned authors are taken back; their own points leave the boards with the
account (boards list active players only). Each feature touched settles again.

Every change takes the features' row locks first, in id order, like `points.feature_settle`.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, Count, F, Q, QuerySet, Value, When

from game.models import Explanation, Feature, PointsEvent, Score, Vote
from game.services import compensation, points

_OUT_OF_PLAY = Case(
    When(Q(moderator_hidden=True) | Q(author_banned=True), then=Value(True)), default=Value(False)
)


def _lock_features(feature_ids) -> list[Feature]:
    return list(Feature.objects.select_for_update().filter(pk__in=set(feature_ids)).order_by("pk"))


def _awards_of(explanation_ids) -> QuerySet[PointsEvent]:
    # A vote from a banned voter stays taken back whatever happens to the explanation.
    return PointsEvent.objects.filter(explanation_id__in=explanation_ids).exclude(
        reason=PointsEvent.Reason.VOTE_RECEIVED, other_user__is_active=False
    )


def _resettle(feature_ids) -> None:
    for feature in Feature.objects.filter(pk__in=set(feature_ids)).order_by("pk"):
        points.feature_settle(feature)


def explanation_hide(explanation: Explanation) -> bool:
    """Take an explanation out of play; False when a moderator had hidden it already."""
    with transaction.atomic():
        _lock_features([explanation.feature_id])
        if not Explanation.objects.filter(pk=explanation.pk, moderator_hidden=False).update(
            moderator_hidden=True, hidden=True
        ):
            return False
        compensation.awards_withdraw(_awards_of([explanation.pk]), feature_id=explanation.feature_id)
        _resettle([explanation.feature_id])
    return True


def explanation_unhide(explanation: Explanation) -> bool:
    """Undo a moderator's hiding; False when it was not hidden by one. It stays out of play
    while its author is banned."""
    with transaction.atomic():
        _lock_features([explanation.feature_id])
        qs = Explanation.objects.filter(pk=explanation.pk)
        if not qs.filter(moderator_hidden=True).update(moderator_hidden=False):
            return False
        qs.update(hidden=_OUT_OF_PLAY)
        if qs.filter(hidden=False).exists():
            compensation.awards_restore(_awards_of([explanation.pk]), feature_id=explanation.feature_id)
        _resettle([explanation.feature_id])
    return True


def _move_vote_counts(votes, sign: int) -> None:
    per_explanation = votes.values("explanation_id", "explanation__feature_id").annotate(n=Count("pk"))
    for row in per_explanation:
        n = row["n"] * sign
        Explanation.objects.filter(pk=row["explanation_id"]).update(vote_count=F("vote_count") + n)
        Feature.objects.filter(pk=row["explanation__feature_id"]).update(vote_count=F("vote_count") + n)


def player_suspend(user) -> list[int]:
    """A banned player's explanations and votes stop counting. Returns the ids of their
    explanations still waiting for a score (the caller cancels those jobs)."""
    with transaction.atomic():
        mine = Explanation.objects.filter(author_id=user.pk)
        votes = Vote.objects.filter(user_id=user.pk, counted=True)
        feature_ids = set(mine.values_list("feature_id", flat=True)) | set(
            votes.values_list("explanation__feature_id", flat=True)
        )
        _lock_features(feature_ids)
        mine.update(author_banned=True, hidden=True)
        compensation.awards_withdraw(PointsEvent.objects.filter(explanation__author_id=user.pk))
        _move_vote_counts(votes, -1)
        votes.update(counted=False)
        compensation.awards_withdraw(
            PointsEvent.objects.filter(reason=PointsEvent.Reason.VOTE_RECEIVED, other_user_id=user.pk)
        )
        _resettle(feature_ids)
    return list(mine.filter(status=Explanation.Status.QUEUED).values_list("pk", flat=True))


def player_reinstate(user) -> list[int]:
    """Undo `player_suspend` (call it once the account is active again). Returns the ids of
    their explanations still waiting for a score (the caller queues those again)."""
    with transaction.atomic():
        mine = Explanation.objects.filter(author_id=user.pk)
        votes = Vote.objects.filter(user_id=user.pk, counted=False)
        feature_ids = set(mine.values_list("feature_id", flat=True)) | set(
            votes.values_list("explanation__feature_id", flat=True)
        )
        _lock_features(feature_ids)
        mine.update(author_banned=False)
        mine.update(hidden=_OUT_OF_PLAY)
        visible = list(mine.filter(hidden=False).values_list("pk", flat=True))
        compensation.awards_restore(_awards_of(visible))
        _move_vote_counts(votes, +1)
        votes.update(counted=True)
        compensation.awards_restore(
            PointsEvent.objects.filter(
                reason=PointsEvent.Reason.VOTE_RECEIVED, other_user_id=user.pk, explanation__hidden=False
            )
        )
        _resettle(feature_ids)
    return list(mine.filter(status=Explanation.Status.QUEUED).values_list("pk", flat=True))


def pending_score_ids(explanation_ids: list[int]) -> list[int]:
    """The pending Score rows of these explanations: their jobs are keyed `score:<id>`."""
    return list(
        Score.objects.filter(explanation_id__in=explanation_ids, status=Score.Status.PENDING).values_list("pk", flat=True)
    )


def player_standing_follow(user) -> None:
    """Make the game match the account: suspended while inactive, counted while active.
    Cheap when they already match (two indexed queries), and idempotent."""
    if user.pk is None:
        return
    if not user.is_active:
        if Vote.objects.filter(user_id=user.pk, counted=True).exists() or Explanation.objects.filter(
            author_id=user.pk, author_banned=False
        ).exists():
            player_suspend(user)
    elif Vote.objects.filter(user_id=user.pk, counted=False).exists() or Explanation.objects.filter(
        author_id=user.pk, author_banned=True
    ).exists():
        player_reinstate(user)
