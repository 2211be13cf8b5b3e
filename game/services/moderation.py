"""Content checks: profanity in explanations and activation texts."""

from __future__ import annotations

from functools import lru_cache

from better_profanity import profanity


@lru_cache(maxsize=1)
def _loaded() -> None:
    # The word list is static data from the package: the same in every process.
    profanity.load_censor_words()


def contains_profanity(text: str) -> bool:
    _loaded()
    return profanity.contains_profanity(text)
