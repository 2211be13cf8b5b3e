"""Submitting explanations, the daily scoring allowance, and drafts.

Rules (mirrored on the help page):
- Text is cleaned (`game.text.clean_explanation`); empty, over `EXPLANATION_MAX_CHARS`
  or containing profanity is refused.
- The same text on the same feature is refused with the existing id (409); a near-duplicate
  (same `normalize_explanation` key, e.g. "banana" vs "Bananas.") too, with
  `near_duplicate: true`, so the player can vote for the existing one instead.
- Each player has `DAILY_SCORED_EXPLANATIONS` scored explanations per UTC day. Over the
  limit the explanation is kept as a draft, never lost. Drafts are queued later, oldest
  most-voted first, when the player has allowance again (`promote_drafts`, run when the
  player next writes: submits or votes; reads never write), or at once
  when other players give a draft `DRAFT_PROMOTION_VOTES` votes (`draft_promote`): the
  community vouching for it stands in for the author's allowance.
- An author may delete their own explanation (`explanation_delete`): every point anyone earned
  from it is taken back, the feature settles again, and the same text (normalized) cannot be
  submitted again by that author on that feature.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest

from game import jobs, site_settings
from game.junk import junk_reason
from game.models import DailyCounter, DeletedExplanation, Explanation, Feature, PointsEvent
from game.services import compensation, points
from game.services.counters import counter_take, counter_used
from game.services.errors import ServiceError
from game.services.moderation import contains_profanity
from game.text import clean_explanation, normalize_explanation

DRAFT_PROMOTION_VOTES = 2


def daily_limit() -> int:
    # An operator's override (the operators' page) wins over DAILY_SCORED_EXPLANATIONS.
    return site_settings.daily_limit()


def explanations_left_today(*, user) -> int:
    used = counter_used(user=user, kind=DailyCounter.Kind.SCORED_EXPLANATIONS)
    return max(0, daily_limit() - used)


def explanation_check_text(*, feature: Feature, text: str, editing: Explanation | None = None) -> str:
    """The cleaned text, or a ServiceError saying why it is refused. `editing`: the explanation
    whose text this replaces (it does not count as a duplicate of itself)."""
    text = clean_explanation(text if isinstance(text, str) else "")
    if not text:
        raise ServiceError("Write an explanation first: the text is empty.", field="text")
    limit = settings.EXPLANATION_MAX_CHARS
    if len(text) > limit:
        raise ServiceError(
            f"The explanation is {len(text)} characters long; the limit is {limit}.", field="text"
        )
    reason = junk_reason(text)
    if reason:
        raise ServiceError(reason, field="text")
    if contains_profanity(text):
        raise ServiceError("The explanation contains a word we do not accept; please rephrase it.", field="text")
    others = feature.explanations.exclude(pk=editing.pk) if editing is not None else feature.explanations.all()
    same = others.filter(text=text).first()
    if same is not None:
        raise ServiceError(
            "This exact explanation already exists for this feature.", status=409, existing_id=same.pk,
            near_duplicate=False,
        )
    near = others.filter(normalized_text=normalize_explanation(text), hidden=False).first()
    if near is not None:
        raise ServiceError(
            f"A very similar explanation already exists: \u201c{near.text}\u201d. Vote for it instead?",
            status=409, existing_id=near.pk, near_duplicate=True,
        )
    return text


def explanation_submit(*, user, feature: Feature, text: str) -> tuple[Explanation, str]:
    """Save a player's explanation and queue it for scoring, in one transaction.

    Returns the explanation and its status: "queued" (a scoring job exists) or "draft"
    (over today's allowance). Raises ServiceError (400 bad text, 409 duplicate).
    """
    text = explanation_check_text(feature=feature, text=text)
    if DeletedExplanation.objects.filter(
        feature=feature, author_id=user.pk, normalized_text=normalize_explanation(text)
    ).exists():
        raise ServiceError(
            "You deleted this explanation from this feature earlier; it cannot be submitted again.",
            status=409, field="text",
        )
    # Yesterday's drafts take today's allowance before anything new: they were written first.
    promote_drafts(user)
    try:
        with transaction.atomic():
            scored = counter_take(user=user, kind=DailyCounter.Kind.SCORED_EXPLANATIONS, limit=daily_limit())
            explanation = Explanation.objects.create(
                feature=feature, text=text, author=user,
                status=Explanation.Status.QUEUED if scored else Explanation.Status.DRAFT,
            )
            if scored:
                jobs.enqueue_scoring(explanation)
    except IntegrityError:
        # A parallel submission of the same text won the unique constraint.
        same = feature.explanations.filter(text=text).first()
        raise ServiceError(
            "This exact explanation already exists for this feature.", status=409,
            existing_id=same.pk if same else None, near_duplicate=False,
        ) from None
    return explanation, explanation.status


def draft_queue(explanation: Explanation) -> bool:
    """Queue one draft for scoring; False when it is no longer a draft (someone else did).
    Must run inside a transaction."""
    claimed = Explanation.objects.filter(pk=explanation.pk, status=Explanation.Status.DRAFT).update(
        status=Explanation.Status.QUEUED
    )
    if not claimed:
        return False
    explanation.status = Explanation.Status.QUEUED
    jobs.enqueue_scoring(explanation)
    return True


def promote_drafts(user) -> int:
    """Queue the player's drafts while today's allowance lasts. Returns how many were queued.

    Cheap when there is nothing to do (one indexed query), so each write of the player's may
    call it; the first one of a new day is the one that queues.
    """
    if not getattr(user, "is_authenticated", False):
        return 0
    drafts = list(
        Explanation.objects.filter(author=user, status=Explanation.Status.DRAFT, hidden=False).order_by(
            "-vote_count", "created"
        )[:50]
    )
    queued = 0
    for draft in drafts:
        with transaction.atomic():
            if not counter_take(user=user, kind=DailyCounter.Kind.SCORED_EXPLANATIONS, limit=daily_limit()):
                transaction.set_rollback(True)
                break
            if draft_queue(draft):
                queued += 1
            else:
                # Already queued elsewhere: give the unit back by rolling back.
                transaction.set_rollback(True)
    return queued


def draft_promote(explanation: Explanation) -> bool:
    """Queue a draft that other players voted for, whatever its author's allowance."""
    if explanation.status != Explanation.Status.DRAFT or explanation.hidden:
        return False
    with transaction.atomic():
        return draft_queue(explanation)


def explanation_edit(explanation: Explanation, *, by, text: str) -> Explanation:
    """The author rewrites their explanation before it is scored: a draft, or one still
    waiting in the queue (its job is cancelled and queued again with the new text, using no
    more of the daily allowance). Once a worker has started scoring it, or it has a score,
    the text is fixed: 409. The new text passes every check a submission does."""
    if explanation.author_id is None or explanation.author_id != getattr(by, "pk", None):
        raise ServiceError("Only its author can edit an explanation.", status=403)
    with transaction.atomic():
        current = Explanation.objects.select_for_update().select_related("feature__source").get(pk=explanation.pk)
        if current.status not in (Explanation.Status.DRAFT, Explanation.Status.QUEUED) or current.score_value is not None:
            raise ServiceError("This explanation has been scored; its text can no longer change. "
                               "Delete it and write a new one instead.", status=409)
        text = explanation_check_text(feature=current.feature, text=text, editing=current)
        if current.status == Explanation.Status.QUEUED and not jobs.scoring_withdraw(current):
            raise ServiceError("This explanation is being scored right now; its text can no longer change.",
                               status=409)
        current.text = text
        current.save(update_fields=["text", "normalized_text"])
        if current.status == Explanation.Status.QUEUED:
            jobs.enqueue_scoring(current)
    return current


def explanation_delete(explanation: Explanation, *, by) -> bool:
    """Delete the author's own explanation and take back every point earned from it.

    Each award tied to it (new best, settled best, votes received, other players' consensus)
    still standing is taken back (`compensation.awards_withdraw`), so every board (day, week,
    all time) sums as if the award had never been paid while the history stays; one already
    taken back (the explanation was hidden) is not taken back twice. Returns False when the
    explanation was already deleted. ServiceError 403 for anyone but its author.
    """
    if explanation.author_id is None or explanation.author_id != getattr(by, "pk", None):
        raise ServiceError("Only its author can delete an explanation.", status=403)
    with transaction.atomic():
        # Feature first, as `feature_settle` locks it: a vote settling the feature meanwhile
        # waits instead of paying an award this deletion would miss.
        feature = Feature.objects.select_for_update().get(pk=explanation.feature_id)
        current = Explanation.objects.select_for_update().filter(pk=explanation.pk).first()
        if current is None:
            return False
        compensation.awards_withdraw(PointsEvent.objects.filter(explanation=current), feature_id=feature.pk)
        DeletedExplanation.objects.get_or_create(
            feature=feature, author_id=current.author_id, normalized_text=current.normalized_text
        )
        # Its Vote rows cascade away with it; the feature's count must drop by as many.
        Feature.objects.filter(pk=feature.pk).update(
            vote_count=Greatest(F("vote_count") - current.vote_count, Value(0))
        )
        current.delete()
        points.feature_settle(feature)
    return True
