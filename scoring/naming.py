"""Which tokens does a plainly written explanation name?

Players rarely quote tokens; they write "the article an before a vowel", "module names such
as sys and os", "the piece pre inside words like previous". The words they name are the
strongest evidence of where they think the feature fires, so a token that *is* a named word
counts fully, and a word piece that starts or sits inside a longer named word counts less.

Function words ("the", "and", "as") are usually grammar, not names, and would light up every
text; they count only where the sentence names them: right after a naming word ("the word
as", "the article an", "the preposition of") or inside a comma list ("not, is and as").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[A-Za-z0-9_]+")
_QUOTED = re.compile(r'"((?:[^"\\]|\\.){1,40})"|\u201c([^\u201d]{1,40})\u201d|`([^`]{1,40})`')

GRAMMAR = frozenset(
    """a an the of in on at to for from by with and or not no is are was be as it its this that these
    those such like e g eg i ie etc also often usually especially mostly mainly generally some any all
    other others word words token tokens text texts phrase phrases piece pieces subword subwords letter
    letters character characters symbol symbols name names term terms part parts start starting end
    ending inside within before after following preceding followed preceded next previous first last
    line lines sentence sentences example examples code when where which what who how than then there
    their they them can could may might will would should do does did has have had""".split()
)
NAMING = frozenset(
    """word words article articles piece pieces letter letters subword subwords prefix suffix token tokens
    name names keyword keywords like as in such digit digits number numbers preposition prepositions
    conjunction conjunctions pronoun pronouns verb verbs modal modals determiner determiners""".split()
)

# Strength of a token that is a named word, starts a longer one, or sits inside one.
WHOLE, START, INSIDE = 1.0, 0.5, 0.3


def named_words(explanation: str) -> set[str]:
    """Lower-cased words and quoted strings the explanation names."""
    out: set[str] = set()
    words = [(m.group(0), m.start()) for m in _WORD.finditer(explanation)]
    for i, (word, pos) in enumerate(words):
        low = word.lower()
        if low in GRAMMAR:
            prev_word, prev_pos = words[i - 1] if i else ("", 0)
            if prev_word.lower() == "as" and low in ("in", "with"):  # "as in": an example follows
                continue
            between = explanation[prev_pos + len(prev_word) : pos] if i else ""
            in_list = "," in between or (prev_word.lower() in ("and", "or") and "," in explanation[max(0, pos - 30) : pos])
            # "the word as" names as; "a word: the article A" does not name the.
            named_by_prev = prev_word.lower() in NAMING and not between.strip(" \"'`\u201c")
            if not (named_by_prev or in_list):
                continue
        out.add(low)
    for m in _QUOTED.finditer(explanation):
        dq, cq, bq = m.groups()
        text = dq if dq is not None else cq if cq is not None else bq
        if dq is not None:
            try:  # JSON-style escapes, as in "\n"
                text = json.loads(f'"{dq}"')
            except json.JSONDecodeError:
                pass
        text = text.strip().lower()
        if text:
            out.add(text)
    return out


def naming_scores(explanation: str, tokens: Sequence[str], setting: frozenset[str] = frozenset()) -> np.ndarray:
    """Per token: WHOLE if it is a named word, START if it begins a longer named word,
    INSIDE if it sits inside one, else 0. Words in `setting` (only the surroundings of an
    example, see `scoring.examples`) are not named."""
    named = named_words(explanation) - setting
    longer = [w for w in named if len(w) >= 4]
    out = np.zeros(len(tokens), dtype=np.float64)
    for i, token in enumerate(tokens):
        key = token.strip().lower()
        if not key:
            continue
        if key in named:
            out[i] = WHOLE
        elif len(key) >= 2 and key.isalpha() and any(w.startswith(key) for w in longer):
            out[i] = START
        elif len(key) >= 3 and key.isalpha() and any(key in w for w in longer):
            out[i] = INSIDE
    return out


# Punctuation and layout are named in words ("closing parentheses", "full stops", "blank
# lines"); a sentence embedding of ")" alone barely resembles "closing parenthesis".
_SYMBOL_WORDS: list[tuple[str, str]] = [
    (r"clos\w* (?:parenthes[ie]s|parens?|brackets?)", ")"),
    (r"open\w* (?:parenthes[ie]s|parens?|brackets?)", "("),
    (r"parenthes[ie]s|parens?\b|round brackets?", "()"),
    (r"square brackets?", "[]"),
    (r"(?:curly )?braces?|curly brackets?", "{}"),
    (r"angle brackets?", "<>"),
    (r"commas?", ","),
    (r"full stops?|periods?\b|dots?\b", "."),
    (r"colons?", ":"),
    (r"semicolons?", ";"),
    (r"quot(?:e|es|ation marks?)\b", "\"'"),
    (r"apostrophes?", "'"),
    (r"asterisks?|stars?\b", "*"),
    (r"underscores?|dunder", "_"),
    (r"hash(?:es)?\b|pound signs?", "#"),
    (r"equals? signs?|equals\b", "="),
    (r"hyphens?|dash(?:es)?\b|minus", "-"),
    (r"backslash(?:es)?", "\\"),
    (r"slash(?:es)?\b", "/"),
    (r"pipes?\b|vertical bars?", "|"),
    (r"at signs?", "@"),
    (r"percent signs?", "%"),
    (r"ampersands?", "&"),
    (r"question marks?", "?"),
    (r"exclamation marks?", "!"),
    (r"backticks?", "`"),
    (r"tildes?", "~"),
    (r"carets?", "^"),
    (r"plus signs?", "+"),
    (r"dollar signs?", "$"),
]
_SYMBOLS = [(re.compile(r"\b(?:" + p + r")\b", re.I), chars) for p, chars in _SYMBOL_WORDS]
_DIGITS = re.compile(r"\b(?:digits?|numbers?|numerals?|integers?)\b", re.I)
_NEWLINES = re.compile(
    r"\b(?:new[\s-]?lines?|line[\s-](?:breaks?|feeds?|endings?)|(?:blank|empty)[\s-]lines?|paragraph[\s-]breaks?"
    r"|carriage returns?|end of (?:a |the )?line)\b",
    re.I,
)
_INDENT = re.compile(r"\b(?:indentation|indented|indent|leading spaces|whitespace|spaces)\b", re.I)


def named_symbol_chars(text: str) -> set[str]:
    """The punctuation characters the text names in words ("a comma", "closing parentheses")."""
    chars: set[str] = set()
    for rx, cs in _SYMBOLS:
        if rx.search(text):
            chars |= set(cs)
    return chars


def symbol_mentions(text: str) -> list[tuple[int, int, str]]:
    """(start, end, characters) of every place the text names punctuation in words."""
    return [(m.start(), m.end(), cs) for rx, cs in _SYMBOLS for m in rx.finditer(text)]


# Punctuation named as the place of something else ("the word but after a comma", "names
# between double underscores", "a full stop after a closing quote, asterisk or parenthesis")
# is where the feature's token sits, not the token: it is an anchor, not a target.
_MODIFIERS = r"(?:a|an|the|two|each|every|any|its|their|closing|opening|double|single|curly|square|round|matching)"
_ANCHORING = re.compile(
    r"\b(?:after|following|before|preceding|next to|between|behind)\s+(?:" + _MODIFIERS + r"\s+)*$", re.I
)
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:(?:or|and)\s+)?|(?:or|and)\s+)(?:" + _MODIFIERS + r"\s+)*", re.I)
# How far before a mention its anchoring words may start: far more than "following the
# opening double" needs, and it keeps a long text's parse linear in its length.
_ANCHOR_REACH = 80


def target_symbol_chars(text: str) -> set[str]:
    """The punctuation the text names as where the feature fires: every named character with
    at least one mention that is not an anchor of another token."""
    chars: set[str] = set()
    anchor, end = False, -1
    for start, stop, cs in sorted(symbol_mentions(text)):
        if start >= end:  # not a second pattern naming the same words ("opening parenthesis")
            listed = anchor and _LIST_GAP.fullmatch(text, end, start) is not None
            anchor = listed or _ANCHORING.search(text, max(0, start - _ANCHOR_REACH), start) is not None
        if not anchor:
            chars |= set(cs)
        end = max(end, stop)
    return chars


def symbol_scores(explanation: str, tokens: Sequence[str]) -> np.ndarray:
    """Per token: 1 where it is made of symbols the explanation names in words as targets (or is a
    number, a newline, indentation when those are named), 0.6 where such a symbol is part of
    a punctuation-only token, else 0."""
    chars = target_symbol_chars(explanation)
    digits = bool(_DIGITS.search(explanation))
    newlines = bool(_NEWLINES.search(explanation))
    indent = bool(_INDENT.search(explanation))
    out = np.zeros(len(tokens), dtype=np.float64)
    for i, token in enumerate(tokens):
        s = token.strip()
        if s and chars and all(c in chars or c.isspace() for c in s):
            out[i] = 1.0
        elif s and chars and any(c in chars for c in s) and not any(c.isalnum() for c in s):
            out[i] = 0.6
        elif digits and s.isdigit():
            out[i] = 1.0
        elif not s and "\n" in token and newlines:
            out[i] = 1.0
        elif not s and token and indent:
            out[i] = 0.7
    return out
