"""Comments on features: posting (held to the word list and a daily budget), deleting one's own,
and hiding and showing them again, which moderation does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from accounts.profanity import contains_profanity
from game.models import Feature
from game.services.errors import ServiceError
from research.models import COMMENT_MAX, Comment

# Comments are free to write and costly to moderate: a player writes at most this many a day.
COMMENTS_PER_DAY = 50


def comment_post(*, author, feature: Feature, text: Any) -> Comment:
    if not isinstance(text, str) or not text.strip():
        raise ServiceError("Write a comment first: the text is empty.", field="text")
    text = text.strip()
    if len(text) > COMMENT_MAX:
        raise ServiceError(f"The comment is {len(text)} characters long; the limit is {COMMENT_MAX}.", field="text")
    if contains_profanity(text):
        raise ServiceError("The comment contains a word we do not accept; please rephrase it.", field="text")
    since = timezone.now() - dt.timedelta(days=1)
    if Comment.objects.filter(author=author, created__gte=since).count() >= COMMENTS_PER_DAY:
        raise ServiceError(f"You wrote {COMMENTS_PER_DAY} comments in the last day, the most we take; "
                           "try again tomorrow.", status=429)
    return Comment.objects.create(author=author, feature=feature, text=text)


def comment_get(comment_id: int) -> Comment:
    """A comment anyone may see (hidden ones are gone, to everyone but moderation)."""
    comment = Comment.objects.select_related("author", "feature").filter(pk=comment_id, hidden=False).first()
    if comment is None:
        raise ServiceError(f"There is no comment {comment_id}.", status=404)
    return comment


def comment_delete(comment: Comment, *, by) -> None:
    if comment.author_id != getattr(by, "pk", None):
        raise ServiceError("Only its author can delete a comment.", status=403)
    comment.delete()


def comment_hide(comment: Comment) -> bool:
    """Hide it (moderation); False when it was hidden already."""
    return bool(Comment.objects.filter(pk=comment.pk, hidden=False).update(hidden=True))


def comment_unhide(comment: Comment) -> bool:
    return bool(Comment.objects.filter(pk=comment.pk, hidden=True).update(hidden=False))
