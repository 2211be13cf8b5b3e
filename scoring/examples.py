"""Which words of an explanation's examples are the target, and which only its setting?

Players illustrate: "the word above referring back, as in described above or the above
order"; "the word was in passive clauses such as if it was set". A reader takes "above" and
"was" as where the feature fires, and "described", "order", "set" as the text around it. A
simulator that predicts every word of the examples pays for each of them wherever they occur
alone, so the better-illustrated explanation scores worse than a bare one.

An example item of several words that repeats a word of the explanation's head (the part
before the example marker) is read as target plus setting: the repeated words are the target,
the rest are setting. A one-word item ("such as Access, Accept") is itself a target, and so
is every word of an item that repeats nothing.
"""

from __future__ import annotations

import re

from scoring.lexical import STOPWORDS
from scoring.naming import NAMING

_WORD = re.compile(r"[A-Za-z0-9_]+")
_MARKER = re.compile(
    r"\b(?:such as|as in|as with|like|e\.\s?g\.?|for example|for instance|including)(?![A-Za-z0-9_])", re.I
)
# An example list runs to the end of its clause.
_END = re.compile(r"[;.](?:\s|$)|,?\s*\band also\b|,?\s*\bplus\b|\s--?\s|:")
_ITEMS = re.compile(r",|\bor\b|\band\b")


def example_lists(explanation: str) -> list[tuple[int, int, int]]:
    """(marker start, list start, list end) of every example list ("such as X, Y or Z")."""
    out = []
    for marker in _MARKER.finditer(explanation):
        end = _END.search(explanation, marker.end())
        out.append((marker.start(), marker.end(), end.start() if end else len(explanation)))
    return out


def setting_spans(explanation: str) -> list[tuple[int, int]]:
    """Character spans [start, end) of the example words that are setting, not target."""
    spans: list[tuple[int, int]] = []
    for marker_start, start, stop in example_lists(explanation):
        head = _head_words(explanation[:marker_start])
        if not head:
            continue
        pos = start
        for item in _ITEMS.split(explanation[start:stop]):
            at = explanation.index(item, pos) if item else pos
            pos = at + len(item)
            words = [(m.group(0), at + m.start()) for m in _WORD.finditer(item)]
            if len(words) < 2 or not any(w.lower() in head for w, _ in words):
                continue
            spans.extend((p, p + len(w)) for w, p in words if w.lower() not in head)
    return sorted(set(spans))


def _head_words(head: str) -> set[str]:
    """The head's content words, and the function words it names ("the word was")."""
    words = [w.lower() for w in _WORD.findall(head)]
    return {w for i, w in enumerate(words) if w not in STOPWORDS or (i and words[i - 1] in NAMING)}


def setting_words(explanation: str) -> set[str]:
    """Lower-cased words that appear in the explanation only as an example's setting."""
    spans = setting_spans(explanation)
    setting = {explanation[a:b].lower() for a, b in spans}
    elsewhere = {
        m.group(0).lower() for m in _WORD.finditer(explanation)
        if not any(a <= m.start() < b for a, b in spans)
    }
    return setting - elsewhere
