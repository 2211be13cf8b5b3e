"""Which tokens does an explanation name outright?

Explanations often quote the tokens they are about (`the token " import"`), the tokens
that come just before (`after "\\n"`) or just after (`followed by "("`, `predicting " os"`),
or name them in passing ("import statements"). Matching those catches what a sentence
embedding of a single token misses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from scoring.text import token_label

_QUOTED = re.compile(r'"((?:[^"\\]|\\.){1,40})"|\'([^\']{1,40})\'|`([^`]{1,40})`|\u201c([^\u201d]{1,40})\u201d')
_ROLE_WORDS = re.compile(
    r"\b(after|following|preceded by|before|followed by|preceding|predicting|predicts|next token)\b", re.I
)
_AFTER = {"after", "following", "preceded by"}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# Words that describe rather than name: matching them would light up every text.
STOPWORDS = frozenset(
    """a an the of in on at to for from by with and or not no is are was be been being as
    this that these those it its into about after before between during within without
    word words token tokens text texts phrase phrases term terms character characters
    letter letters symbol symbols mention mentions mentioning reference references referring
    such like e g eg i ie etc usually often typically especially mostly mainly generally
    some any all other others related relating various common commonly part parts also
    first second last next previous following preceding predicting followed preceded
    context contexts sentence sentences which when where what who whose how than then there
    their they them he she his her we our you your can could may might will would should
    do does did has have had""".split()
)

# Weight of a token named as the firing one, as a content word, or as a neighbour.
SELF, CONTENT, AFTER, BEFORE = 1.0, 0.5, 0.35, 0.2


def stem(word: str) -> str:
    """A word without its commonest English ending (ing, es, ed, s), lower case."""
    w = word.lower()
    for suffix in ("ing", "es", "ed", "s"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _key(token: str) -> str:
    return token_label(token).lower()


def _unquote(match: re.Match) -> str:
    dq, sq, bq, cq = match.groups()
    if dq is not None:
        try:  # JSON-style escapes, as the baseline writes "\n"
            return json.loads(f'"{dq}"')
        except json.JSONDecodeError:
            return dq
    return next(g for g in (sq, bq, cq) if g is not None)


@dataclass
class ExplanationTerms:
    fires_on: set[str] = field(default_factory=set)
    after: set[str] = field(default_factory=set)
    before: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, explanation: str) -> ExplanationTerms:
        terms = cls()
        role = "self"
        pos = 0
        outside: list[str] = []
        for m in _QUOTED.finditer(explanation):
            between = explanation[pos : m.start()]
            outside.append(between)
            words = [w.lower() for w in _ROLE_WORDS.findall(between)]
            if words:
                last = words[-1]
                role = "after" if last in _AFTER else "before"
            pos = m.end()
            inner = _unquote(m)
            keys = {_key(inner)} | {w.lower() for w in _WORD.findall(inner)}
            {"self": terms.fires_on, "after": terms.after, "before": terms.before}[role].update(k for k in keys if k)
        outside.append(explanation[pos:])
        terms.stems = {
            stem(w) for w in _WORD.findall(" ".join(outside)) if w.lower() not in STOPWORDS and len(w) >= 2
        }
        return terms

    def scores(self, tokens: Sequence[str]) -> np.ndarray:
        """Per-token match strength: the token itself named, or its neighbours."""
        keys = [_key(t) for t in tokens]
        out = np.zeros(len(tokens), dtype=np.float64)
        for i, k in enumerate(keys):
            if k in self.fires_on:
                out[i] += SELF
            elif (k[:1].isalpha() or k[:1] == "_") and stem(k) in self.stems:
                out[i] += CONTENT
            if i > 0 and keys[i - 1] in self.after:
                out[i] += AFTER
            if i + 1 < len(keys) and keys[i + 1] in self.before:
                out[i] += BEFORE
        return out
