"""Votes: one per player per explanation (a DB constraint), counters moved with F()."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from game.models import Explanation, Feature, Vote
from game.services import points
from game.services.errors import ServiceError
from game.services.gold import gold_answer_record
from game.services.explanations import DRAFT_PROMOTION_VOTES, draft_promote, promote_drafts


@dataclass(frozen=True)
class VoteResult:
    voted: bool  # the player's vote stands after the call
    changed: bool  # this call created or removed it
    first_vote: bool  # it was the player's first vote ever
    votes: int  # the explanation's vote count after the call
    gold_correct: bool | None = None  # on a planted feature, whether this first answer was right


def has_voted(*, user) -> bool:
    return Vote.objects.filter(user=user).exists()


def _votable(explanation: Explanation, user) -> None:
    if explanation.hidden:
        raise ServiceError("This explanation was removed by a moderator.", status=404)
    if explanation.author_id is not None and explanation.author_id == user.pk:
        raise ServiceError("You cannot vote for your own explanation.")


def vote_cast(*, user, explanation: Explanation) -> VoteResult:
    """Vote for an explanation. Idempotent: a second vote by the same player changes nothing."""
    _votable(explanation, user)
    # A player who only votes today still gets yesterday's drafts queued.
    promote_drafts(user)
    try:
        with transaction.atomic():
            first = not Vote.objects.filter(user=user).exists()
            vote = Vote.objects.create(user=user, explanation=explanation)
            # F() updates: the database adds, so parallel votes are all counted.
            Explanation.objects.filter(pk=explanation.pk).update(vote_count=F("vote_count") + 1)
            Feature.objects.filter(pk=explanation.feature_id).update(vote_count=F("vote_count") + 1)
            points.award_vote_received(vote=vote)
            answer = gold_answer_record(user=user, explanation=explanation)
    except IntegrityError:
        return VoteResult(voted=True, changed=False, first_vote=False, votes=_count(explanation))
    explanation.refresh_from_db(fields=["vote_count", "status"])
    if explanation.status == Explanation.Status.DRAFT and explanation.vote_count >= DRAFT_PROMOTION_VOTES:
        draft_promote(explanation)
    points.feature_settle(explanation.feature)
    return VoteResult(voted=True, changed=True, first_vote=first, votes=explanation.vote_count,
                      gold_correct=answer.correct if answer is not None else None)


def vote_retract(*, user, explanation: Explanation) -> VoteResult:
    """Take a vote back. Idempotent: retracting a vote that does not exist changes nothing."""
    with transaction.atomic():
        vote = Vote.objects.filter(user=user, explanation=explanation).first()
        deleted = vote.delete()[0] if vote is not None else 0
        # A vote that stopped counting (its voter was banned) is in no count already.
        if deleted and vote.counted:
            Explanation.objects.filter(pk=explanation.pk, vote_count__gt=0).update(vote_count=F("vote_count") - 1)
            Feature.objects.filter(pk=explanation.feature_id, vote_count__gt=0).update(
                vote_count=F("vote_count") - 1
            )
            points.revoke_vote_received(explanation=explanation, voter=user)
    return VoteResult(voted=False, changed=bool(deleted), first_vote=False, votes=_count(explanation))


def _count(explanation: Explanation) -> int:
    return Explanation.objects.values_list("vote_count", flat=True).get(pk=explanation.pk)
