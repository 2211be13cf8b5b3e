"""Text normalisation for explanations: what counts as "the same idea" twice."""

from __future__ import annotations

import re
import unicodedata

# Words that change nothing about what an explanation claims.
STOP_WORDS = frozenset(
    "a an the of in on at to for and or with about word words token tokens mention mentions "
    "related relating refers referring reference references".split()
)
_INVISIBLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_NON_WORD = re.compile(r"[^\w\s]+")


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def clean_explanation(text: str) -> str:
    """The text as stored: NFC, invisible characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    text = _INVISIBLE.sub("", text)
    return " ".join(text.split())


def normalize_explanation(text: str) -> str:
    """A key under which near-duplicates collide: case, punctuation, plurals, stop words."""
    text = _NON_WORD.sub(" ", clean_explanation(text).casefold())
    words = [_singular(w) for w in text.split() if w not in STOP_WORDS]
    return " ".join(words) or text.strip()
