"""Every 429 the site sends says when to come back (`Retry-After`), as the API's throttles do.
allauth's rate limits (login, signup, password reset...) answer 429 without one: this adds the
longest window among the limits allauth applies to that view's action (its windows slide, so by
then the oldest counted attempt has left it), or 60 seconds when the action is not known."""

from __future__ import annotations

import math

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

ACCOUNTS_PREFIX = "/accounts/"
DEFAULT_RETRY_AFTER = 60
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# allauth URL names (less "account_") whose rate-limit action is named otherwise.
_ACTION_FOR_URL = {"email": "manage_email", "set_password": "change_password"}


def window_seconds(rates: str | None) -> int:
    """The longest window in an allauth rate string such as "10/m/ip,5/300s/key" (0: none)."""
    longest = 0
    for rate in (rates or "").split(","):
        parts = rate.strip().split("/")
        if len(parts) < 2 or not parts[1] or parts[1][-1] not in _UNIT_SECONDS:
            continue
        try:
            amount = float(parts[1][:-1] or 1)
        except ValueError:
            continue
        longest = max(longest, math.ceil(amount * _UNIT_SECONDS[parts[1][-1]]))
    return longest


def retry_after_seconds(request: HttpRequest) -> int:
    from allauth.account import app_settings

    match = request.resolver_match
    name = match.url_name.removeprefix("account_") if match and match.url_name else ""
    rates = app_settings.RATE_LIMITS.get(_ACTION_FOR_URL.get(name, name))
    return window_seconds(rates) or DEFAULT_RETRY_AFTER


def _with_retry_after(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if (response.status_code == 429 and not response.has_header("Retry-After")
            and request.path.startswith(ACCOUNTS_PREFIX)):
        response["Retry-After"] = str(retry_after_seconds(request))
    return response


@sync_and_async_middleware
def RetryAfterMiddleware(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            return _with_retry_after(request, await get_response(request))

    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            return _with_retry_after(request, get_response(request))

    return middleware
