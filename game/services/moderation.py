"""Content checks: profanity in explanations and activation texts. (Reports and moderators'
actions are the `moderation` app's.)"""

from __future__ import annotations

from accounts import profanity


def contains_profanity(text: str) -> bool:
    # One word list for usernames and texts: better-profanity's plus the moderators' blocked words.
    return profanity.contains_profanity(text)
