"""What ninja does not do for the API: rate limits over the shared windows of `game.services.ratelimit`."""

from __future__ import annotations

import ipaddress
import json
import threading

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.throttling import BaseThrottle

from game.services.ratelimit import rate_limit_hit


def client_ip(request: HttpRequest) -> str:
    """The address rate limits count. REMOTE_ADDR, unless `TRUSTED_PROXY_COUNT` proxies stand in
    front of the site: each appends the address it saw to X-Forwarded-For, so the client is the
    entry that many from the right (anything further left was written by the client itself)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    candidate = forwarded[-proxies] if len(forwarded) >= proxies else forwarded[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class RateLimit(BaseThrottle):
    """One scope's budget (`"vote"` counts `vote:user` for a logged-in caller, then `vote:ip`);
    over it, ninja answers 429 with Retry-After. Runs after authentication, so a Bearer token's
    owner is the user counted."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._wait = threading.local()  # one instance serves every request: the wait is per thread

    def allow_request(self, request: HttpRequest) -> bool:
        keys = [("ip", client_ip(request))]
        if request.user.is_authenticated:
            keys.insert(0, ("user", str(request.user.pk)))
        for kind, key in keys:
            wait = rate_limit_hit(f"{self.scope}:{kind}", key)
            if wait:
                self._wait.seconds = wait
                return False
        return True

    def wait(self) -> float | None:
        return getattr(self._wait, "seconds", None)


def sent_as_is(body: bytes | str | dict) -> HttpResponse:
    """A hot route's answer, built in the documented shape (its `response` schema, which the
    OpenAPI document shows) and sent without ninja validating it again: on the routes every
    player and script hits, that validation cost as much as the work itself. Tests compare
    these routes' bodies with their schemas."""
    if isinstance(body, dict):
        body = json.dumps(body, cls=DjangoJSONEncoder)
    return HttpResponse(body, content_type="application/json")
