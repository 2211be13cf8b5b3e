"""What ninja does not do for the API: rate limits over the shared windows of `game.services.ratelimit`."""

from __future__ import annotations

import threading

from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from game.services.ratelimit import rate_limit_hit


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a proxy that sets it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


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
