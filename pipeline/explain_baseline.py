"""An offline baseline explainer: says in one plain sentence which tokens a feature fires on.

From the feature's top records that players see (held-out ones excluded, near-duplicates weighted
by how many windows they stand for) it counts the max tokens, the tokens just before and just after
them, and reads the promoted tokens of the logit lens. It then writes the sentence a player could
have written, e.g.

    the word "return" (capitalised or not), usually before "the" or "a"
    newlines followed by indentation, usually before "print" or "return"
    the letter "N" starting capitalised words
    the pieces "ex" and "pre" inside longer words

Tokens are shown without their leading space, in plain double quotes, at most three in a sentence;
whitespace, punctuation and quote marks are named in words, and anything that would read as debris
(control characters, pieces of multi-byte characters, long rulers) is named in words or left out.
The output depends only on its inputs (ties are broken by token text), so rebuilding is repeatable.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np

from .records import KIND_TOP

AUTHOR_MODEL = "baseline-top-tokens-v2"
DEAD_TEXT = "never fires on the corpus (dead feature)"
MAX_EXAMPLES = 3  # quoted tokens in one sentence
MAX_CHARS = 160
COMMON_TOKENS = 1000  # logit-lens predictions are named only when among the corpus's commonest tokens

# Punctuation named in words: (singular with article, plural).
_NAMES: dict[str, tuple[str, str]] = {
    "(": ("an opening parenthesis", "opening parentheses"),
    ")": ("a closing parenthesis", "closing parentheses"),
    "[": ("an opening square bracket", "opening square brackets"),
    "]": ("a closing square bracket", "closing square brackets"),
    "{": ("an opening brace", "opening braces"),
    "}": ("a closing brace", "closing braces"),
    ".": ("a full stop", "full stops"),
    ",": ("a comma", "commas"),
    ":": ("a colon", "colons"),
    ";": ("a semicolon", "semicolons"),
    "'": ("a single quote", "single quotes"),
    '"': ("a double quote", "double quotes"),
    "`": ("a backtick", "backticks"),
    "-": ("a hyphen", "hyphens"),
    "_": ("an underscore", "underscores"),
    "*": ("an asterisk", "asterisks"),
    "=": ("an equals sign", "equals signs"),
    "#": ("a hash sign", "hash signs"),
    "\\": ("a backslash", "backslashes"),
    "/": ("a slash", "slashes"),
    "|": ("a vertical bar", "vertical bars"),
    "<": ("a less-than sign", "less-than signs"),
    ">": ("a greater-than sign", "greater-than signs"),
    "%": ("a percent sign", "percent signs"),
    "@": ("an at sign", "at signs"),
    "!": ("an exclamation mark", "exclamation marks"),
    "?": ("a question mark", "question marks"),
    "+": ("a plus sign", "plus signs"),
    "&": ("an ampersand", "ampersands"),
    "$": ("a dollar sign", "dollar signs"),
    "^": ("a caret", "carets"),
    "~": ("a tilde", "tildes"),
    "\u201c": ("an opening curly quote", "opening curly quotes"),
    "\u201d": ("a closing curly quote", "closing curly quotes"),
    "\u2018": ("an opening curly quote", "opening curly quotes"),
    "\u2019": ("an apostrophe", "apostrophes"),
    "\u2014": ("a dash", "dashes"),
    "\u2013": ("a dash", "dashes"),
}
_QUOTE_MARKS = set('"\u201c\u201d')
_RULER_CHARS = set("-=+*_~#")


@dataclass(frozen=True)
class Tok:
    """How one vocabulary string is talked about.

    kind: "word" (letters, digits, underscores), "number", "symbol" (other visible text, quoted),
    "named" (named in words: punctuation, whitespace, special and unreadable tokens), "debris"
    (nothing a player would mention, never shown). `key` groups tokens that differ only by case or
    a leading space; `shown` is the text that goes between quotes."""

    kind: str
    key: str
    shown: str = ""
    one: str = ""  # named kinds: singular with article ("a comma", "a newline")
    many: str = ""  # named kinds: plural ("commas", "newlines")
    place: str = ""  # named kinds as context: "at the start of a line" instead of "after a newline"


def _invisible(c: str) -> bool:
    cat = unicodedata.category(c)
    return c == "\ufffd" or cat[0] == "C" or (cat[0] == "Z" and c != " ")


def _whitespace(t: str) -> Tok:
    body = t.replace("\r\n", "\n").replace("\r", "\n")
    lines = body.count("\n")
    tail = body[body.rfind("\n") + 1:] if lines else body
    indent = bool(tail)
    if lines >= 2:
        return Tok("named", "ws:blank", one="a blank line", many="blank lines", place="after a blank line")
    if lines == 1 and indent:
        return Tok("named", "ws:indent", one="a newline followed by indentation",
                   many="newlines followed by indentation", place="at the start of an indented line")
    if lines == 1:
        return Tok("named", "ws:newline", one="a newline", many="newlines", place="at the start of a line")
    if "\t" in body:
        return Tok("named", "ws:tab", one="a tab", many="tabs")
    if len(body) == 1:
        return Tok("named", "ws:space", one="a space", many="spaces")
    return Tok("named", "ws:spaces", one="a run of spaces", many="runs of spaces")


_NEWLINE = _whitespace("\n")


def classify(t: str) -> Tok:
    """How the vocabulary string `t` is named in a sentence (see `Tok`)."""
    if t.startswith("<|") and t.endswith("|>"):
        return Tok("named", "special", one="the start of a text", many="text boundaries",
                   place="at the start of a text")
    if t and all(c in " \t\n\r" for c in t):
        return _whitespace(t)
    if "\ufffd" in t:
        return Tok("named", "bytes", one="a piece of a non-ASCII character", many="pieces of non-ASCII characters")
    s = t.strip(" ")
    if not s or any(_invisible(c) for c in s):
        if any(unicodedata.category(c) == "Cc" and c not in "\n\t\r" for c in t):
            return Tok("named", "control", one="an unusual control character", many="unusual control characters")
        return Tok("debris", "debris")
    if any(c in _QUOTE_MARKS for c in s):
        return Tok("named", "quote", one="a double quote", many="double quotes")
    if "\\" in s:
        return Tok("named", "backslash", one="a backslash", many="backslashes")
    if len(s) >= 4 and set(s) <= _RULER_CHARS:
        return Tok("named", "ruler", one="a line of dashes", many="lines of dashes and table borders")
    if s in _NAMES:
        one, many = _NAMES[s]
        return Tok("named", "punct:" + many, one=one, many=many)
    if len(s) > 24:
        return Tok("debris", "debris")
    if s.isdigit():
        return Tok("number", s, s)
    if all(c.isalnum() or c == "_" for c in s) and any(c.isalpha() for c in s):
        return Tok("word", s.lower(), s)
    return Tok("symbol", s.lower(), s)


def _is_word_char(c: str) -> bool:
    return c.isalnum() or c == "_"


def _starts_word(prev: str, tok: str) -> bool:
    """`tok` begins a word: it has a leading space, or the token before it is no part of a word."""
    return tok[:1] != tok[:1].strip() or not prev or not _is_word_char(prev[-1]) or prev.startswith("<|")


def _ends_word(tok: str, nxt: str) -> bool:
    return not nxt or not _is_word_char(nxt[0])


# -- counting ---------------------------------------------------------------------------------------

@dataclass
class Group:
    tok: Tok
    weight: float = 0.0
    variants: Counter = field(default_factory=Counter)  # spelling without the leading space -> weight
    starts: float = 0.0  # weight of occurrences that begin a word
    ends: float = 0.0  # weight of occurrences that end a word

    @property
    def shown(self) -> str:
        """The commonest spelling; the lowercase one when both cases are common."""
        if not self.variants:
            return self.tok.shown
        top = _top(self.variants)[0]
        if self.mixed_case and top.lower() in self.variants:
            return top.lower()
        return top

    @property
    def mixed_case(self) -> bool:
        """Another case of the same word carries a good share (then it is named in words)."""
        if self.tok.kind != "word" or len(self.variants) < 2:
            return False
        top = _top(self.variants)[0]
        return sum(w for v, w in self.variants.items() if v != top) >= 0.2 * self.weight

    def case_note(self) -> str:
        return " (capitalised or not)" if self.mixed_case else ""

    @property
    def position(self) -> str:
        """whole, start, end or inside: where in a word this group mostly occurs."""
        start, end = self.starts >= 0.5 * self.weight, self.ends >= 0.5 * self.weight
        return {(True, True): "whole", (True, False): "start", (False, True): "end", (False, False): "inside"}[start, end]


def _top(counter: Counter) -> tuple:
    """The heaviest entry, ties broken by key so the result never depends on insertion order."""
    return min(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))


def _ranked(groups: dict[str, Group]) -> list[Group]:
    return sorted(groups.values(), key=lambda g: (-g.weight, g.tok.key))


def _count(occurrences: list[tuple[int, float, str, str]], vocab: list[str], cache: dict[int, Tok],
           context: bool = False) -> dict[str, Group]:
    """Occurrences (token id, weight, text before, text after) grouped by `Tok.key`. As context, a
    text boundary and a blank line count as a newline: all of them start (or end) a line."""
    groups: dict[str, Group] = {}
    for tid, w, prev, nxt in occurrences:
        tok = cache.setdefault(tid, classify(vocab[tid]))
        if context and tok.key in ("special", "ws:blank"):
            tok = _NEWLINE
        g = groups.get(tok.key)
        if g is None:
            g = groups[tok.key] = Group(tok)
        g.weight += w
        if tok.kind in ("word", "number", "symbol"):
            g.variants[vocab[tid].strip(" ")] += w
        t = vocab[tid]
        if _starts_word(prev, t):
            g.starts += w
        if _ends_word(t, nxt):
            g.ends += w
    return groups


# -- phrasing ---------------------------------------------------------------------------------------

def _q(s: str) -> str:
    return f'"{s}"'


def _join(items: list[str], word: str = "and") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _noun(g: Group) -> tuple[str, str, str]:
    """(singular noun, plural noun, trailing words) for a quoted group."""
    kind, pos, shown = g.tok.kind, g.position, g.shown
    if kind == "number":
        return "the number", "the numbers", ""
    if kind == "symbol":
        return "the symbol", "the symbols", ""
    letter = len(shown) == 1 and shown.isalpha() and (pos != "whole" or shown.lower() not in ("a", "i"))
    if pos == "whole":
        return ("the letter", "the letters", "") if letter else ("the word", "the words", "")
    if pos == "start":
        tail = " starting capitalised words" if shown[:1].isupper() and not g.mixed_case else " starting longer words"
        return ("the letter", "the letters", tail) if letter else ("the piece", "the pieces", tail)
    if pos == "end":
        return "the ending", "the endings", " at the end of words"
    return ("the letter", "the letters", " inside longer words") if letter else \
        ("the piece", "the pieces", " inside longer words")


def _class_of(g: Group) -> tuple:
    """Groups listed under one noun: same kind and same place in a word (letters go with pieces)."""
    if g.tok.kind == "named":
        return ("named", g.tok.key)
    return (g.tok.kind, _noun(g)[2])


def _plural(members: list[Group]) -> str:
    nouns = {_noun(m)[1] for m in members}
    if len(nouns) == 1:
        return nouns.pop()
    return "the words" if "the words" in nouns else "the pieces"


def _fires_on(groups: list[Group], total: float, budget: int) -> tuple[str, int]:
    """The 'what it fires on' phrase for the chosen groups (of `total` weight in all) and the number
    of quoted tokens it used (at most `budget`, except that the main group is always named)."""
    quoted = 0
    picked: list[Group] = []
    for g in groups:
        needs = 0 if g.tok.kind == "named" else 1
        if quoted + needs > budget and picked:
            continue
        picked.append(g)
        quoted += needs
    main, rest = picked[0], picked[1:]

    # One token dominates (half the weight, twice the next): "X (also Y)"; otherwise a list.
    if not rest or (main.weight / total >= 0.5 and main.weight >= 2 * rest[0].weight):
        text = _single(main)
        extra = main.case_note().strip(" ()")
        others = [g.tok.many if g.tok.kind == "named" else _q(g.shown) for g in rest]
        parts = ([extra] if extra else []) + (["also " + _join(others)] if others else [])
        if parts:
            text += " (" + "; ".join(parts) + ")"
        return text, quoted

    # No single token dominates: a list, sharing one noun between groups of the same kind.
    classes: dict[tuple, list[Group]] = defaultdict(list)
    for g in picked:
        classes[_class_of(g)].append(g)
    phrases = []
    for cls, members in classes.items():
        if cls[0] == "named":
            phrases.append(members[0].tok.many)
        elif len(members) == 1:
            phrases.append(_single(members[0], with_case=True))
        else:
            phrases.append(f"{_plural(members)} {_join([_q(m.shown) for m in members])}{cls[1]}")
    return _join(phrases, "or" if any(" and " in p for p in phrases) else "and"), quoted


def _single(g: Group, with_case: bool = False) -> str:
    if g.tok.kind == "named":
        return g.tok.many
    n1, _, tail = _noun(g)
    return f"{n1} {_q(g.shown)}{tail}" + (g.case_note() if with_case else "")


def _context_groups(groups: dict[str, Group], used: set[str]) -> list[tuple[Group, float]]:
    total = sum(g.weight for g in groups.values())
    if not total:
        return []
    return [(g, g.weight / total) for g in _ranked(groups) if g.tok.kind != "debris" and g.tok.key not in used]


def _after(groups: dict[str, Group], used: set[str], budget: int) -> tuple[str, int, str]:
    """' after "of"' / ' at the start of a line' when one token usually comes just before."""
    ranked = _context_groups(groups, used)
    if not ranked:
        return "", 0, ""
    g, share = ranked[0]
    if share < 0.4:
        return "", 0, ""
    often = "" if share >= 0.6 else "often "
    if g.tok.kind == "named":
        if g.tok.key in ("bytes", "control"):
            return "", 0, ""
        return f" {often}{g.tok.place or 'after ' + g.tok.one}", 0, g.tok.key
    if budget < 1:
        return "", 0, ""
    return f" {often}after {_q(g.shown)}", 1, g.tok.key


def _before(groups: dict[str, Group], used: set[str], budget: int) -> str:
    """', usually before "the" or "a"' when the next token is predictable."""
    ranked = [(g, s) for g, s in _context_groups(groups, used) if g.tok.key not in ("bytes", "control")]
    if not ranked:
        return ""
    chosen = [ranked[0]]
    if ranked[0][1] < 0.4:
        if len(ranked) < 2 or ranked[1][1] < 0.15 or ranked[0][1] + ranked[1][1] < 0.5:
            return ""
        chosen.append(ranked[1])
    elif len(ranked) > 1 and ranked[1][1] >= 0.2:
        chosen.append(ranked[1])
    items, quoted, line_end = [], 0, False
    for g, _ in chosen:
        if g.tok.key in ("ws:newline", "ws:indent"):
            line_end = True
        elif g.tok.kind == "named":
            items.append(g.tok.one)
        elif quoted < budget:
            items.append(_q(g.shown))
            quoted += 1
    if not items and not line_end:
        return ""
    share = sum(s for _, s in chosen)
    text = f", {'usually' if share >= 0.5 else 'often'} "
    if items:
        text += "before " + _join(items, "or") + (" or at the end of a line" if line_end else "")
    else:
        text += "at the end of a line"
    return text


def _predicting(logit_ids: np.ndarray, vocab: list[str], used: set[str], budget: int,
                common: np.ndarray | None = None) -> str:
    """', predicting "want" or "need" next' from the logit lens, only when both are common whole words
    (`common[token id]` true: frequent in the corpus); rare pieces would read as noise."""
    if budget < 1:
        return ""
    words = []
    for t in logit_ids[:2]:
        tok = classify(vocab[int(t)])
        if tok.kind != "word" or len(tok.shown) < 2 or not vocab[int(t)].startswith(" ") or tok.key in used:
            return ""
        if common is not None and not (0 <= int(t) < len(common) and common[int(t)]):
            return ""
        if tok.key not in {classify(w).key for w in words}:
            words.append(tok.shown)
    return ", predicting " + _join([_q(w) for w in words[:budget]], "or") + " next"


def explain_feature(arrays: dict[str, np.ndarray], tokens: np.ndarray, vocab: list[str], f: int,
                    recs: np.ndarray, cache: dict[int, Tok] | None = None, common: np.ndarray | None = None) -> str:
    if arrays["max_activation"][f] <= 0 or len(recs) == 0:
        return DEAD_TEXT
    cache = {} if cache is None else cache
    n = len(tokens)
    here_occ, before_occ, after_occ = [], [], []
    for r in recs:
        w = 1.0 + int(arrays["rec_duplicates"][r])
        p = int(arrays["rec_start"][r]) + int(arrays["rec_max_pos"][r])
        cur = int(tokens[p])
        prev = int(tokens[p - 1]) if p > 0 else -1
        nxt = int(tokens[p + 1]) if p + 1 < n else -1
        prev2 = int(tokens[p - 2]) if p > 1 else -1
        nxt2 = int(tokens[p + 2]) if p + 2 < n else -1
        pv, nv = (vocab[prev] if prev >= 0 else ""), (vocab[nxt] if nxt >= 0 else "")
        here_occ.append((cur, w, pv, nv))
        if prev >= 0:
            before_occ.append((prev, w, vocab[prev2] if prev2 >= 0 else "", vocab[cur]))
        if nxt >= 0:
            after_occ.append((nxt, w, vocab[cur], vocab[nxt2] if nxt2 >= 0 else ""))
    here = _count(here_occ, vocab, cache)
    total = sum(g.weight for g in here.values())
    ranked = [g for g in _ranked(here) if g.tok.kind != "debris"]
    chosen = [g for i, g in enumerate(ranked) if i == 0 or g.weight / total >= 0.1][:MAX_EXAMPLES]
    if not chosen:
        return "rare tokens that are hard to show as text"
    # Context needs quotes too: when there is some, the fired-on tokens keep at most two.
    before_groups = _count(before_occ, vocab, cache, context=True)
    after_groups = _count(after_occ, vocab, cache, context=True)
    used = {g.tok.key for g in chosen}
    has_context = bool(_after(before_groups, used, 1)[0] or _before(after_groups, used, 1))
    text, quoted = _fires_on(chosen, total, MAX_EXAMPLES - 1 if has_context else MAX_EXAMPLES)
    used = {g.tok.key for g in chosen}
    after_text, q, key = _after(before_groups, used, MAX_EXAMPLES - quoted)
    quoted += q
    used.add(key)
    before_text = _before(after_groups, used, MAX_EXAMPLES - quoted)
    if not before_text:
        before_text = _predicting(arrays["logit_top_ids"][f], vocab, used, MAX_EXAMPLES - quoted, common)
    # Too long: the context goes first (what it fires on matters most), then words are cut.
    for candidate in (text + after_text + before_text, text + after_text, text):
        if len(candidate) <= MAX_CHARS:
            return candidate
    return text[:text.rfind(" ", 0, MAX_CHARS - 4)] + " ..."


def _top_records(arrays: dict[str, np.ndarray]) -> dict[int, np.ndarray]:
    # Clues only: never the scoring records nor the unseen ones.
    mask = (arrays["rec_kind"] == KIND_TOP) & ~arrays["rec_held_out"]
    if "rec_unseen" in arrays:
        mask &= ~arrays["rec_unseen"]
    idx = np.flatnonzero(mask)
    feats = arrays["rec_feature"][idx]
    order = np.argsort(feats, kind="stable")
    idx, feats = idx[order], feats[order]
    bounds = np.searchsorted(feats, np.arange(len(arrays["max_activation"]) + 1))
    return {f: idx[bounds[f]:bounds[f + 1]] for f in range(len(bounds) - 1)}


def explain_source(arrays: dict[str, np.ndarray], tokens: np.ndarray, vocab: list[str]) -> list[dict]:
    """One explanation per feature: [{"index", "text", "author_model"}]."""
    by_feature = _top_records(arrays)
    tokens = np.asarray(tokens)
    cache: dict[int, Tok] = {}
    common = common_tokens(tokens, len(vocab))
    return [{"index": f, "text": explain_feature(arrays, tokens, vocab, f, by_feature.get(f, np.zeros(0, int)), cache,
                                                 common),
             "author_model": AUTHOR_MODEL} for f in range(len(arrays["max_activation"]))]


def common_tokens(tokens: np.ndarray, n_vocab: int, top: int = COMMON_TOKENS) -> np.ndarray:
    """bool[n_vocab]: the `top` most frequent tokens of the corpus (ties by id)."""
    counts = np.bincount(np.asarray(tokens, dtype=np.int64), minlength=n_vocab)[:n_vocab]
    order = np.lexsort((np.arange(n_vocab), -counts))[:top]
    out = np.zeros(n_vocab, dtype=bool)
    out[order[counts[order] > 0]] = True
    return out
