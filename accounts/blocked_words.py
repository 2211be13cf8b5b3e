"""The moderators' list of refused words: adding and removing one (`accounts.profanity` reads it).

Every change goes through here so that every process learns of it (`word_list_changed`).
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from accounts.models import BlockedWord
from accounts.profanity import word_list_changed

MIN_LENGTH, MAX_LENGTH = 2, 50
# Letters (any alphabet) and digits, words separated by single spaces.
_SHAPE = re.compile(r"[^\W_]+(?: [^\W_]+)*")


class BlockedWordError(ValueError):
    """A refused change, with a message for the moderator."""


def blocked_word_normalize(word: str) -> str:
    """The word as stored (lowercase, single spaces), or BlockedWordError saying what is wrong."""
    if not isinstance(word, str):
        raise BlockedWordError("Give the word as text.")
    word = " ".join(word.split()).lower()
    if not MIN_LENGTH <= len(word) <= MAX_LENGTH:
        raise BlockedWordError(
            f"A blocked word must be {MIN_LENGTH} to {MAX_LENGTH} characters long; {word!r} is {len(word)}."
        )
    if not _SHAPE.fullmatch(word):
        raise BlockedWordError(
            f"A blocked word may hold only letters, digits and spaces; {word!r} has other characters."
        )
    return word


def blocked_word_add(word: str, by=None) -> BlockedWord:
    """Refuse `word` from now on in usernames and texts. `by` is the moderator (may be None)."""
    word = blocked_word_normalize(word)
    try:
        with transaction.atomic():
            blocked = BlockedWord.objects.create(word=word, added_by=by)
    except IntegrityError:
        raise BlockedWordError(f"{word!r} is already blocked.") from None
    word_list_changed()
    return blocked


def blocked_word_remove(word: str) -> None:
    """Accept `word` again (the package's own list still applies)."""
    word = blocked_word_normalize(word)
    deleted, _ = BlockedWord.objects.filter(word=word).delete()
    if not deleted:
        raise BlockedWordError(f"{word!r} is not on the blocked list.")
    word_list_changed()
