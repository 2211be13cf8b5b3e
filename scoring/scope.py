"""Where an explanation confines the words and pieces it names.

"The comm at the start of the word commit" names comm, but only inside commit; "the word be in
the phrase must be" names be, but only after must; so do "the word into after came" and "their
before own". A simulator that lights every comm, be, into or their predicts such a narrowed
explanation exactly as the broad one it was cut from, so an explanation that drops half of
what fires costs nothing. A reader executes the condition; so does this module:

- a piece is *hosted* by the words it is placed in ("X at the start of / inside / in / of
  (the word) W1, W2 or W3", each W containing X): outside those words it is not named;
- a word is *bound* to a phrase ("X in the phrase P") or to its neighbours ("X right after A
  or B", "X before C"): elsewhere it is not named;
- punctuation named in words is bound to its neighbours the same way ("the comma right after
  the word behold", "the opening quote before the keyword async").

A name is confined only when every mention of it carries a condition: "the word be after
must, and also the verb be in Bible verses" names be everywhere. Mentions inside an example
list ("as in must be") or inside another mention's condition are not mentions, and neither is
a function word used as grammar (the first "The" of "The word the after of").
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.examples import example_lists
from scoring.lexical import STOPWORDS, stem
from scoring.naming import GRAMMAR, NAMING, symbol_mentions

_W = r"[A-Za-z0-9_]+"
_WORD = re.compile(_W)
_ALNUM = re.compile(r"[A-Za-z0-9]+")
_LIST = _W + r"(?:\s*(?:,|\bor\b|\band\b)\s*" + _W + r")*"
_HOSTED = re.compile(
    r"\s+(?:(?:ending|piece|part|letters?|syllable|prefix|suffix)\s+)?"
    r"(?:at the (?:start|beginning|end) of|starting|inside|in|within|of|from)\s+"
    r"(?:(?:the|a|an|capitalised|capitalized|lowercase|uppercase|word|words|verb|verbs|noun|nouns|name|names|term|terms)\s+)*"
    r"(" + _LIST + r")",
    re.I,
)
_PHRASE = re.compile(r"\s+in the (?:phrases?|expressions?|idioms?)\s+(" + _W + r"(?:\s+" + _W + r")*)", re.I)
_NEXT_TO = re.compile(
    r"\s+(?:right |directly |just |immediately )?(after|following|before|preceding)\s+"
    r"(?:the (?:words?|verbs?|modals?|nouns?|names?|keywords?)\s+)?(" + _LIST + r")",
    re.I,
)
# The mention is named as a whole word ("the word be", "the pronoun I"), never a piece of one.
_AS_WORD = re.compile(
    r"\b(?:word|words|pronoun|article|verb|conjunction|preposition|modal|determiner|adverb|adjective|noun)\s+$", re.I
)
# A phrase runs to its first word that starts a description of it ("must be, stating ...").
_PHRASE_END = frozenset("in on at for with from when where which that as used stating meaning".split())
# Neighbours described by kind, not named ("before a verb", "after nouns"): not a condition this
# module can check.
_GENERIC = frozenset(
    """a an the verb verbs noun nouns adjective adjectives word words name names comma commas colon
    colons preposition prepositions number numbers punctuation line lines sentence sentences clause
    clauses phrase phrases another other each every some any its their his her""".split()
)


@dataclass(frozen=True)
class Condition:
    kind: str  # "host": inside one of `words`; "phrase": at `at` of `words`; "after"/"before": next to one of `words`
    words: tuple[str, ...]
    at: int = 0


def _same(a: str, b: str) -> bool:
    return a == b or stem(a) == stem(b)


def _listed(explanation: str, m: re.Match, group: int, markers: list[int]) -> list[str]:
    """The words of a matched list, up to an example marker inside it ("after in, as in ...")."""
    stop = min([p for p in markers if m.start(group) <= p < m.end(group)], default=m.end(group))
    return [w.lower() for w in _WORD.findall(explanation[m.start(group) : stop])]


def _condition(explanation: str, name: str, end: int, as_word: bool, markers: list[int]) -> tuple[Condition | None, int]:
    """The condition right after a mention ending at `end`, and where that condition ends."""
    if not as_word:
        m = _HOSTED.match(explanation, end)
        if m:
            hosts = tuple(sorted({
                w for w in _listed(explanation, m, 1, markers)
                if name in w and len(w) >= len(name) + 2 and w not in STOPWORDS
            }))
            if hosts:
                return Condition("host", hosts), m.end()
    m = _PHRASE.match(explanation, end)
    if m:
        words = [w.lower() for w in _WORD.findall(m.group(1))]
        cut = next((i for i, w in enumerate(words) if i >= 2 and w in _PHRASE_END), len(words))
        words = words[: min(cut, 6)]
        if name in words:
            return Condition("phrase", tuple(words), words.index(name)), m.start(1) + len(" ".join(words))
    return _next_to(explanation, end, markers)


def _next_to(explanation: str, end: int, markers: list[int]) -> tuple[Condition | None, int]:
    """Named neighbours right after a mention ("right after the word behold", "before own")."""
    m = _NEXT_TO.match(explanation, end)
    if m:
        anchors = tuple(w for w in _listed(explanation, m, 2, markers) if w not in _GENERIC | {"or", "and"})
        if anchors:
            side = "after" if m.group(1).lower() in ("after", "following") else "before"
            return Condition(side, anchors), m.end()
    return None, end


def confinements(explanation: str, named: set[str]) -> dict[str, list[Condition]]:
    """Named words and pieces (lower case) that every mention confines, with their conditions."""
    lists = example_lists(explanation)
    markers = [marker for marker, _, _ in lists]
    skip = [(start, stop) for _, start, stop in lists]
    conditions: dict[str, list[Condition]] = {}
    free: set[str] = set()
    previous = ""
    for m in _WORD.finditer(explanation):
        name, before, previous = m.group(0).lower(), previous, m.group(0).lower()
        if name not in named or any(a <= m.start() < b for a, b in skip):
            continue
        as_word = bool(_AS_WORD.search(explanation[: m.start()]))
        if name in GRAMMAR and not (as_word or before in NAMING):
            continue  # "The word the": the first "The" is grammar, not a mention
        cond, cond_end = _condition(explanation, name, m.end(), as_word, markers)
        if cond is None:
            free.add(name)
        else:
            conditions.setdefault(name, []).append(cond)
            skip.append((m.end(), cond_end))
    return {k: v for k, v in conditions.items() if k not in free}


def symbol_confinements(explanation: str) -> dict[str, list[Condition]]:
    """Punctuation (as the characters a name stands for) that every mention binds to neighbours."""
    markers = [marker for marker, _, _ in example_lists(explanation)]
    conditions: dict[str, list[Condition]] = {}
    free: set[str] = set()
    for _, end, chars in symbol_mentions(explanation):
        cond, _ = _next_to(explanation, end, markers)
        if cond is None:
            free.add(chars)
        else:
            conditions.setdefault(chars, []).append(cond)
    return {k: v for k, v in conditions.items() if k not in free}


def _holds(cond: Condition, k: int, words: list[str]) -> bool:
    """Whether the condition holds for the k-th word of a record."""
    word = words[k]
    if cond.kind == "host":
        return any(word.startswith(h) for h in cond.words)  # its forms (committed), never a shorter word (print, for printing)
    if cond.kind == "phrase":
        lo = k - cond.at
        return lo >= 0 and lo + len(cond.words) <= len(words) and all(
            _same(words[lo + q], w) for q, w in enumerate(cond.words)
        )
    neighbour = k - 1 if cond.kind == "after" else k + 1
    return 0 <= neighbour < len(words) and any(_same(words[neighbour], a) for a in cond.words)


def _beside(cond: Condition, previous: str, following: str) -> bool:
    """Whether punctuation between these two words meets a neighbour condition."""
    word = previous if cond.kind == "after" else following
    return bool(word) and any(_same(word, a) for a in cond.words)


@dataclass(frozen=True)
class Scope:
    """An explanation's confined names, parsed once and checked against each record."""

    words: dict[str, list[Condition]]
    symbols: dict[str, list[Condition]]

    @classmethod
    def parse(cls, explanation: str, named: set[str]) -> Scope:
        """`named`: the words and pieces the explanation names (lower case)."""
        return cls(confinements(explanation, named), symbol_confinements(explanation))

    def outside(self, tokens: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Per token of one record: whether it is a confined name outside all its conditions,
        and whether it is confined punctuation with none of its neighbours beside it."""
        names = np.zeros(len(tokens), dtype=bool)
        marks = np.zeros(len(tokens), dtype=bool)
        if not (self.words or self.symbols):
            return names, marks
        text = "".join(tokens)
        spans = [(m.start(), m.end()) for m in _ALNUM.finditer(text)]
        words = [text[a:b].lower() for a, b in spans]
        starts, ends = [a for a, _ in spans], [b for _, b in spans]
        pos = 0
        for i, token in enumerate(tokens):
            start, stop = pos, pos + len(token)
            pos = stop
            key = token.strip().lower()
            if not key:
                continue
            conds = self.words.get(key)
            if conds is not None:
                k = bisect_right(ends, start)  # the word the token's first letter or digit is in
                inside = k < len(spans) and starts[k] < stop
                names[i] = not (inside and any(_holds(c, k, words) for c in conds))
            for chars, conds in self.symbols.items():
                if all(c in chars or c.isspace() for c in key):
                    k = bisect_right(ends, start) - 1  # the last word ending before the token
                    n = bisect_left(starts, stop)  # the first word starting after it
                    previous = words[k] if k >= 0 else ""
                    following = words[n] if n < len(words) else ""
                    marks[i] = not any(_beside(c, previous, following) for c in conds)
        return names, marks
