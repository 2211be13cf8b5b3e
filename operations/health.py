"""The checks behind /healthz: can this process reach the database, the cache and the
channel layer? Each answers "ok" or raises with what went wrong."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection

log = logging.getLogger(__name__)

# Longer than a healthy round trip to Redis, shorter than a load balancer's usual check timeout.
CHANNEL_TIMEOUT_S = 2.0
CACHE_TTL_S = 10


class CheckFailed(Exception):
    """A dependency answered, but wrongly."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise CheckFailed("the database answered SELECT 1 with something else")


def check_cache() -> None:
    key, token = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, token, CACHE_TTL_S)
    try:
        if cache.get(key) != token:
            raise CheckFailed("the cache did not return the value just stored")
    finally:
        cache.delete(key)


async def _channel_round_trip() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise CheckFailed("no channel layer is configured (CHANNEL_LAYERS)")
    token = uuid.uuid4().hex
    channel = await layer.new_channel("healthz.")
    await layer.send(channel, {"type": "healthz.ping", "token": token})
    message = await layer.receive(channel)
    if message.get("token") != token:
        raise CheckFailed("the channel layer delivered a different message")


def check_channel_layer() -> None:
    async def bounded() -> None:
        try:
            await asyncio.wait_for(_channel_round_trip(), CHANNEL_TIMEOUT_S)
        except asyncio.TimeoutError:
            raise CheckFailed(f"no answer from the channel layer within {CHANNEL_TIMEOUT_S:g} s") from None

    async_to_sync(bounded)()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
}


def run_checks() -> tuple[bool, dict[str, str]]:
    """Every check, each "ok" or "error: <what failed>"; and whether all passed."""
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure is the answer, never a 500
            log.warning("health check %s failed", name, exc_info=True)
            # Our own findings in full; others by name only: their text can name internal hosts,
            # and this answer is public.
            detail = f": {exc}" if isinstance(exc, CheckFailed) else " (details in the server log)"
            results[name] = f"error: {type(exc).__name__}{detail}"[:300]
        else:
            results[name] = "ok"
    return all(r == "ok" for r in results.values()), results
