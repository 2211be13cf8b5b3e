"""Is a text (a username, an explanation) using a word we refuse?

The word list is better-profanity's own, with its leetspeak variants ("sh1t", "$hit"), plus the
moderators' `BlockedWord` rows. Each process keeps its own `better_profanity.Profanity`
instance (never the package's module-level `profanity`, which other callers share) and rebuilds
it when the list changes anywhere: a change stores a new version in the cache (shared by every
process at scale), and a process compares that version with the one it loaded at most every
`RECHECK_SECONDS`, so a check costs one cache read now and then, not a database query.
"""

from __future__ import annotations

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
            _loaded.checker = Profanity(sorted(_default_words() | set(_blocked_words())))
            _loaded.version = version
        _loaded.checked_at = now
        return _loaded.checker


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
