"""Where does an explanation say the feature fires, relative to other words?

Many features fire on a word because of where it stands, not what it is: the word right after
"my", the verb after "shall", the first word of a line, the last word before a full stop, the
words inside brackets. Readings that compare each token with the explanation's words light up
the *anchors* ("my", the full stop), exactly the tokens that do not fire; this reading instead
marks the tokens the explanation places: the next word after each anchor, the word before it,
or the span between a pair of brackets or quotes.

Anchors are words ("right after my, thy or his") or punctuation and layout named in words
("right after a line break", "before the full stop"; the names are `scoring.naming`'s). A
placed token is the nearest *word* on that side: whitespace and line-break tokens in between
are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from scoring.naming import named_symbol_chars

_SIDE = r"(?:right |just |immediately |directly )?"
_AFTER = re.compile(_SIDE + r"(?:after|following|preceded by)\s+(?P<anchor>[^.;:()]+)", re.I)
_BEFORE = re.compile(_SIDE + r"(?:before|preceding|followed by|ahead of)\s+(?P<anchor>[^.;:()]+)", re.I)
# Where the anchor phrase stops: examples and comments follow these.
_ANCHOR_END = re.compile(
    r",?\s*\b(?:such as|as in|like|e\.g|for example|usually|mostly|most often|often|especially|where|which|"
    r"what|when|naming|showing|marking|the thing|in old|starting|ending)\b|:",
    re.I,
)
_LIST_SPLIT = re.compile(r",|\bor\b|\band\b", re.I)
# An anchor list holds short items ("my, thy or his"); a longer part starts a new clause.
_MAX_ITEM_WORDS = 3
_ANCHOR_WORD = re.compile(r"[A-Za-z]+")
# Words around the anchors, not anchors ("the word my", "a line break"); when nothing else is
# left, the articles were the anchors themselves ("the word right after a or an").
_ANCHOR_ARTICLES = frozenset("the a an".split())
_ANCHOR_FILLER = frozenset(
    "each every its their them it word words token tokens new opening closing single double themselves itself "
    "one ones first last second its".split()
)
_LINE_START = re.compile(r"\b(?:first|opening|start(?:ing)?) (?:word|token)s? (?:of|on|in|at the start of) (?:each|a|the|every|new) ?(?:new )?line", re.I)
_LINE_END = re.compile(r"\b(?:last|final|end(?:ing)?) (?:word|token)s? (?:of|on|in|at the end of) (?:each|a|the|every) line", re.I)
_SENTENCE_START = re.compile(
    r"\b(?:first|opening) (?:word|token)s? (?:of|in) (?:each|a|the|every) ?(?:new )?(?:sentence|question)", re.I
)
_SENTENCE_END = re.compile(r"\b(?:last|final) (?:word|token)s? (?:of|in|before the end of) (?:each|a|the|every) sentence", re.I)
_INSIDE_BRACKETS = re.compile(r"\b(?:inside|within|between|in) (?:round |square |curly )?(?:brackets|parenthes[ie]s|parens)", re.I)
_INSIDE_QUOTES = re.compile(r"\b(?:inside|within|between|in) (?:double |single )?(?:quotes|quotation marks|quotations?)", re.I)

SENTENCE_END = ".!?"
NEWLINE = "\n"


@dataclass
class Placement:
    """Anchors after which, and before which, the feature fires; spans it fires inside."""

    after_words: set[str] = field(default_factory=set)
    after_chars: set[str] = field(default_factory=set)
    before_words: set[str] = field(default_factory=set)
    before_chars: set[str] = field(default_factory=set)
    inside: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.after_words or self.after_chars or self.before_words or self.before_chars or self.inside)


def _anchor(phrase: str) -> tuple[set[str], set[str]]:
    """The words and symbol characters an anchor phrase names ("my, thy or his"; "a line break")."""
    end = _ANCHOR_END.search(phrase)
    phrase = phrase[: end.start()] if end else phrase
    chars = named_symbol_chars(phrase)
    if re.search(r"\b(?:line breaks?|newlines?|new lines?|end of (?:a |the )?line)\b", phrase, re.I):
        chars.add(NEWLINE)
    if re.search(r"\b(?:sentence|full stop|period)\b", phrase, re.I):
        chars |= set(SENTENCE_END) if "sentence" in phrase.lower() else {"."}
    words: set[str] = set()
    if not chars:
        items: list[list[str]] = []
        for part in _LIST_SPLIT.split(phrase):
            found = [w.lower() for w in _ANCHOR_WORD.findall(part)]
            if len(found) > _MAX_ITEM_WORDS:
                break
            items.append(found)
        named = {w for item in items for w in item if w not in _ANCHOR_FILLER}
        words = (named - _ANCHOR_ARTICLES) or (named & _ANCHOR_ARTICLES)
    return words, chars


@lru_cache(maxsize=4096)
def placement(explanation: str) -> Placement:
    """What the explanation says about where the feature fires (empty when it says nothing).
    Cached: a score reads it once per record. Callers must not change what it returns."""
    p = Placement()
    for m in _AFTER.finditer(explanation):
        words, chars = _anchor(m.group("anchor"))
        p.after_words |= words
        p.after_chars |= chars
    for m in _BEFORE.finditer(explanation):
        words, chars = _anchor(m.group("anchor"))
        p.before_words |= words
        p.before_chars |= chars
    if _LINE_START.search(explanation):
        p.after_chars.add(NEWLINE)
    if _LINE_END.search(explanation):
        p.before_chars.add(NEWLINE)
    if _SENTENCE_START.search(explanation):
        p.after_chars |= set(SENTENCE_END)
    if _SENTENCE_END.search(explanation):
        p.before_chars |= set(SENTENCE_END)
    if _INSIDE_BRACKETS.search(explanation):
        p.inside.append(("(", ")"))
    if _INSIDE_QUOTES.search(explanation):
        p.inside.append(('"', '"'))
    return p


def _is_anchor(token: str, words: set[str], chars: set[str]) -> bool:
    s = token.strip()
    if not s:
        return NEWLINE in chars and NEWLINE in token
    if s.lower() in words:
        return True
    return bool(chars) and all(c in chars for c in s)


def _word_positions(tokens: Sequence[str]) -> list[int]:
    """Indices of tokens that hold a word or number (the tokens a placement can land on)."""
    return [i for i, t in enumerate(tokens) if any(c.isalnum() for c in t)]


def relation_scores(explanation: str, tokens: Sequence[str]) -> np.ndarray:
    """Per token: 1 where the explanation places the firing word (next to an anchor, or inside a
    span it names), else 0. All zeros when it places nothing."""
    p = placement(explanation)
    out = np.zeros(len(tokens), dtype=np.float64)
    if not p:
        return out
    words = _word_positions(tokens)
    is_word = np.zeros(len(tokens), dtype=bool)
    is_word[words] = True
    for i, token in enumerate(tokens):
        if (p.after_words or p.after_chars) and _is_anchor(token, p.after_words, p.after_chars):
            j = i + 1
            while j < len(tokens) and not is_word[j] and not _is_anchor(tokens[j], p.after_words, p.after_chars):
                j += 1
            if j < len(tokens) and is_word[j]:
                out[j] = 1.0
        if (p.before_words or p.before_chars) and _is_anchor(token, p.before_words, p.before_chars):
            j = i - 1
            while j >= 0 and not is_word[j] and not _is_anchor(tokens[j], p.before_words, p.before_chars):
                j -= 1
            if j >= 0 and is_word[j]:
                out[j] = 1.0
    for opening, closing in p.inside:
        depth = 0
        for i, token in enumerate(tokens):
            s = token.strip()
            if opening == closing and opening in s:
                depth = 0 if depth else 1
                continue
            if opening in s:
                depth += s.count(opening)
                continue
            if closing in s:
                depth = max(0, depth - s.count(closing))
                continue
            if depth and is_word[i]:
                out[i] = 1.0
    return out
