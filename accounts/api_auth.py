"""Who is calling the API, as ninja auth classes: an `Authorization: Bearer <token>` header (a
token from the profile page, no CSRF), else the browser session (with CSRF on unsafe methods).

Every route lists them in that order (`LOGGED_IN`); routes open to anyone add `anonymous` last
(`ANYONE`). A Bearer header, when sent, decides alone: a bad one is a 401 even where anonymous
callers are welcome, so a script never silently runs as a stranger. Managing API tokens is for
the session alone (`SESSION_ONLY`): a leaked token must not be able to mint tokens that outlive
its own revocation, nor revoke the owner's other tokens.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth
from ninja.security.base import AuthBase
from ninja.utils import check_csrf

from accounts.tokens import api_token_user

CSRF_MESSAGE = "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken, or use a Bearer token."
SESSION_ONLY_MESSAGE = (
    "API tokens cannot be listed, created or revoked with an API token (or any Authorization header); "
    "use your browser session: log in and go to your profile page."
)


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`: the token's owner is the caller (`request.user`)."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if not header:
            return None  # no header: the session decides
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            raise HttpError(401, "Use 'Authorization: Bearer <token>'.")
        return self.authenticate(request, raw.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_user(token)
        if user is None:
            raise HttpError(401, "This API token is not valid or was revoked.")
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The logged-in browser session. With `csrf=True`, unsafe methods need the CSRF token
    (X-CSRFToken) whoever calls, logged in or not."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, CSRF_MESSAGE)
        return request.COOKIES.get(self.param_name)


class BrowserSessionAuth(SessionAuth):
    """The session only. A request carrying an Authorization header is refused with a 403 that
    says why, rather than treated as anonymous (a 401 would send a script looking for a bad token)."""

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            raise HttpError(403, SESSION_ONLY_MESSAGE)
        return super().__call__(request)


class Anonymous(AuthBase):
    """Lets anyone through (last in the list); the generated document shows it as optional
    security (`{}`) rather than as a scheme of its own."""

    openapi_type = "anonymous"

    def __call__(self, request: HttpRequest) -> Any:
        return "anonymous"


bearer_auth = BearerAuth()
session_auth = SessionAuth(csrf=True)
# For routes that only compute (nothing tied to the session changes), so scripts may POST
# without a CSRF token; abuse is held back by a rate limit instead.
session_auth_no_csrf = SessionAuth(csrf=False)
browser_session_auth = BrowserSessionAuth(csrf=True)
anonymous = Anonymous()

LOGGED_IN = [bearer_auth, session_auth]
ANYONE = [bearer_auth, session_auth, anonymous]
ANYONE_NO_CSRF = [bearer_auth, session_auth_no_csrf, anonymous]
SESSION_ONLY = [browser_session_auth]
