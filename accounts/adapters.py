"""Where allauth sends a player after login or signup.

Another app may name the page for the login under way with `resume_after_login` (the game
sends a player back to the puzzle they answered before signing in); accounts stays unaware of
what is there. A `next` parameter still wins: allauth only asks the adapter without one.
"""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

RESUME_KEY = "resume_after_login"


def resume_after_login(request: HttpRequest, url: str) -> None:
    """Send this login to `url` (a path on this site) instead of the default page."""
    request.session[RESUME_KEY] = url


class AccountAdapter(DefaultAccountAdapter):
    """Honours `resume_after_login`, even when the login form lost its `next` parameter."""

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
