"""Where allauth sends a player after login or signup, and which usernames it accepts.

Another app may name the page for the login under way with `resume_after_login` (the game
sends a player back to the puzzle they answered before signing in); accounts stays unaware of
what is there. A `next` parameter still wins: allauth only asks the adapter without one.

Every username allauth takes passes `clean_username`: the signup form's, an OAuth signup's, and
the ones allauth makes up from an OAuth profile (which skips a refused one for the next).
"""

from __future__ import annotations

import re

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from accounts.profanity import contains_profanity

RESUME_KEY = "resume_after_login"
PROFANE_USERNAME_MESSAGE = "That username contains a word we do not accept; please choose another."
# "BigShit" is two words to a reader, one to better-profanity (which splits on separators only).
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def username_is_profane(username: str) -> bool:
    return contains_profanity(username) or contains_profanity(_CAMEL_BOUNDARY.sub(" ", username))


def resume_after_login(request: HttpRequest, url: str) -> None:
    """Send this login to `url` (a path on this site) instead of the default page."""
    request.session[RESUME_KEY] = url


class AccountAdapter(DefaultAccountAdapter):
    """Honours `resume_after_login`, even when the login form lost its `next` parameter, and
    refuses usernames holding a refused word (`accounts.profanity`)."""

    def clean_username(self, username: str, shallow: bool = False) -> str:
        username = super().clean_username(username, shallow=shallow)
        if username_is_profane(username):
            raise ValidationError(PROFANE_USERNAME_MESSAGE, code="username_profane")
        return username

    def _resume_url(self, request: HttpRequest) -> str | None:
        # Popped: the next login, without a kept answer, goes to the default page again.
        url = request.session.pop(RESUME_KEY, None)
        if isinstance(url, str) and self.is_safe_url(url):
            return url
        return None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return self._resume_url(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self._resume_url(request) or super().get_signup_redirect_url(request)
