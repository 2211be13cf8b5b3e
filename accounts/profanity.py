"""Is a text (a username, an explanation) using a word we refuse?

The word list is better-profanity's own, with its leetspeak variants ("sh1t", "$hit"), plus the
moderators' `BlockedWord` rows. Each process keeps its own `better_profanity.Profanity`
instance (never the package's module-level `profanity`, which other callers share) and rebuilds
it when the list changes anywhere: a change stores a new version in the cache (shared by every
process at scale), and a process compares that version with the one it loaded at most every
`RECHECK_SECONDS`, so a check costs one cache read now and then, not a database query.

The package compares every word of a text with each listed word in turn (a list of
`VaryingString`s, ~75 ms for a 64-token text); `_WordIndex` answers the same membership
question from a trie of the listed words (under a millisecond a text), so importing a pack can
check every record's text.
"""

from __future__ import annotations

from collections.abc import Callable

import threading
import uuid
from functools import lru_cache
from time import monotonic

from better_profanity import Profanity
from better_profanity.utils import get_complete_path_of_file, read_wordlist
from django.core.cache import cache
from django.db import transaction

from accounts.models import BlockedWord

VERSION_KEY = "accounts:blocked-words:version"
# How stale a process's word list may be after another process changed it.
RECHECK_SECONDS = 5.0


class _Loaded:
    """This process's checker, the version it was built from, and when the version was checked."""

    def __init__(self) -> None:
        self.checker: Profanity | None = None
        self.version: str | None = None
        self.checked_at = float("-inf")
        self.lock = threading.Lock()


_loaded = _Loaded()


def contains_profanity(text: str) -> bool:
    """True when `text` holds a refused word (whole words, case and leetspeak insensitive)."""
    return _checker().contains_profanity(text)


def checker_without(ordinary: frozenset[str]) -> Callable[[str], bool]:
    """A check with today's word list minus `ordinary` words (the moderators' blocked words always
    count): for texts whose vocabulary differs from players' (old books, where "god" or "ass" are
    ordinary words). Built once; make a new one when the word list may have changed."""
    words = (_default_words() - ordinary) | set(_blocked_words())
    return _IndexedProfanity(sorted(words)).contains_profanity


def word_list_changed() -> None:
    """Tell every process to reload the word list: at once, and again when the change commits.

    At once, so this process (and its transaction) sees the change on its next check; again
    after the commit, because another process that reloaded in between read the old rows.
    """
    _publish_new_version()
    transaction.on_commit(_publish_new_version)


def _publish_new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _loaded.checked_at = float("-inf")


def _checker() -> Profanity:
    now = monotonic()
    if _loaded.checker is not None and now - _loaded.checked_at < RECHECK_SECONDS:
        return _loaded.checker
    with _loaded.lock:
        if _loaded.checker is not None and now - _loaded.checked_at < RECHECK_SECONDS:
            return _loaded.checker  # another thread just checked
        version = _current_version()
        if _loaded.checker is None or version != _loaded.version:
            # Built aside and swapped in whole: threads still checking keep a complete list.
            _loaded.checker = _IndexedProfanity(sorted(_default_words() | set(_blocked_words())))
            _loaded.version = version
        _loaded.checked_at = now
        return _loaded.checker


# `_WordIndex` keeps every spelling of its words' first HEAD characters, to refuse most words at once.
HEAD = 3


class _WordIndex(list):
    """The listed words (`VaryingString`s, as the package keeps them) with a fast `in`.

    The package's `word in list` asks each `VaryingString` whether `word` is one of its
    variants: the same length, and each character one of the listed character's substitutes
    (`Profanity.CHARS_MAPPING`: "a" may be "a", "@", "*" or "4"). Here the listed words form a
    trie and `word` walks it, following at each character every listed character it may stand
    for: the same answer, without comparing with every word.
    """

    def __init__(self, words, char_map: dict[str, tuple[str, ...]]) -> None:
        super().__init__(words)
        # A text's character -> the listed characters it may stand for. One that is nobody's
        # substitute stands only for itself (a key of the map only for keys listing it).
        self._stands_for: dict[str, tuple[str, ...]] = {}
        for listed, substitutes in char_map.items():
            for sub in substitutes:
                self._stands_for[sub] = (*self._stands_for.get(sub, ()), listed)
        for ch in set(self._stands_for) - set(char_map):
            self._stands_for[ch] = (*self._stands_for[ch], ch)
        for ch in set(char_map) - set(self._stands_for):
            self._stands_for[ch] = ()
        self._substitutes = char_map
        self._trie: dict = {}
        self._lengths: set[int] = set()
        self._heads: set[str] = set()  # every way of writing the first HEAD characters of a word
        for word in self:
            self._index(str(word))

    def append(self, word) -> None:  # Profanity.add_censor_words
        super().append(word)
        self._index(str(word))

    def _index(self, word: str) -> None:
        node = self._trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[None] = True  # a listed word ends here
        self._lengths.add(len(word))
        heads = [""]
        for ch in word[:HEAD]:
            heads = [h + sub for h in heads for sub in self._substitutes.get(ch, (ch,))]
        self._heads.update(heads)

    def __contains__(self, word) -> bool:
        # Most words of a text fail these cheap tests; the trie decides the rest.
        if word.__class__ is not str or len(word) not in self._lengths or word[:HEAD] not in self._heads:
            return False  # a VaryingString equals only a str of its own length and spelling
        stack = [(self._trie, 0)]
        while stack:
            node, i = stack.pop()
            if i == len(word):
                if None in node:
                    return True
                continue
            ch = word[i]
            for listed in self._stands_for.get(ch, (ch,)):
                child = node.get(listed)
                if child is not None:
                    stack.append((child, i + 1))
        return False


class _IndexedProfanity(Profanity):
    """better-profanity's checker, its word list held in a `_WordIndex`."""

    def _populate_words_to_wordset(self, words, **kwargs) -> None:
        super()._populate_words_to_wordset(words, **kwargs)
        if all(len(sub) == 1 for subs in self.CHARS_MAPPING.values() for sub in subs):
            # The index assumes one character for one (as the package's own map is).
            self.CENSOR_WORDSET = _WordIndex(self.CENSOR_WORDSET, self.CHARS_MAPPING)


def _current_version() -> str:
    """The list's version, read before the rows: a change committed after this read
    publishes a version that differs, so it is never missed."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # None yet, or evicted: agree on one, so processes stop reloading on every check.
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or ""
    return version


def _blocked_words() -> list[str]:
    return list(BlockedWord.objects.values_list("word", flat=True))


@lru_cache(maxsize=1)
def _default_words() -> frozenset[str]:
    # Passing a list to `Profanity` replaces the package's list, so it is read here and joined.
    return frozenset(read_wordlist(get_complete_path_of_file("profanity_wordlist.txt")))
