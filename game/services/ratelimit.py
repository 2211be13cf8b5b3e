"""Rate limits as fixed-window counters in the cache (Redis at scale), so every web process
shares them. `cache.add` + `cache.incr` are atomic in Redis; one window per scope and key."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# scope -> (requests, window seconds); per user and per IP. Overridable in settings.RATE_LIMITS.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "submit:user": (20, 60),
    "submit:ip": (60, 60),
    "vote:user": (60, 60),
    "vote:ip": (240, 60),
    "search:user": (120, 60),
    "search:ip": (240, 60),
    "export:user": (10, 60),
    # Serving a puzzle writes a row (the view that `puzzle_id` names): a bot must not flood them.
    "puzzle:user": (60, 60),
    "puzzle:ip": (180, 60),
    "export:ip": (20, 60),
    # A steering run generates text twice: dearer than a test of one text.
    "steer:user": (10, 60),
    "steer:ip": (20, 60),
    # Each upload is checked and stored before the per-day limit can refuse the next one.
    "upload:user": (10, 3600),
    "upload:ip": (20, 3600),
}


def limit_for(scope: str) -> tuple[int, int]:
    # Model runs cost far more than page views: they have a budget of their own.
    if scope.startswith("inference:"):
        return tuple(settings.INFERENCE_RATE_LIMIT)  # type: ignore[return-value]
    return {**DEFAULT_LIMITS, **getattr(settings, "RATE_LIMITS", {})}[scope]


def rate_limit_hit(scope: str, key: str) -> int:
    """Count one request; 0 when allowed, else the seconds until the window resets."""
    limit, window = limit_for(scope)
    now = time.time()
    start = int(now // window) * window
    namespace = getattr(settings, "RATE_LIMIT_NAMESPACE", "")
    cache_key = f"rl:{namespace}:{scope}:{key}:{start}"
    try:
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    except Exception:  # noqa: BLE001 - the cache (Redis) is down
        # Fail open: for the seconds a cache outage lasts, players keep playing unthrottled
        # (the daily limits are kept in the database and still hold).
        log.warning("rate limit %s not counted: the cache is unreachable", scope, exc_info=True)
        return 0
    if count > limit:
        return max(1, int(start + window - now + 0.999))
    return 0
