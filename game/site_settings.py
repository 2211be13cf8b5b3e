"""Settings that operators change while the site runs: the daily scored-explanations limit and
the daily scoring budget.

Every web and worker process must agree on them, so an override lives in the database
(`SiteSetting`) and wins over the environment's default (`DAILY_SCORED_EXPLANATIONS`,
`SCORING_DAILY_BUDGET_USD`). Reads go through the cache for a few seconds, and a change
deletes the cached copy, so a change reaches every process within CACHE_SECONDS at worst.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from game.models import SiteSetting
from game.services.errors import ServiceError

log = logging.getLogger(__name__)

DAILY_LIMIT = "daily_limit"
DAILY_BUDGET_USD = "daily_budget_usd"
LIMIT_MIN, LIMIT_MAX = 0, 1000
BUDGET_MIN_USD, BUDGET_MAX_USD = 0.0, 100000.0

CACHE_KEY = "site_settings:v1"
CACHE_SECONDS = 5


def _overrides() -> dict[str, Any]:
    """Every override set in the database, by key ({} when none). Only the overrides are
    cached, never the defaults, so a changed environment default applies at once."""
    try:
        cached = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache only saves queries; without it, read the table
        log.warning("cache unavailable: reading site settings from the database", exc_info=True)
        cached = None
    if cached is not None:
        return cached
    values = dict(SiteSetting.objects.values_list("key", "value"))
    try:
        cache.set(CACHE_KEY, values, CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - as above
        pass
    return values


def _forget() -> None:
    try:
        cache.delete(CACHE_KEY)
    except Exception:  # noqa: BLE001 - the entry then expires by itself within CACHE_SECONDS
        log.warning("could not delete the cached site settings", exc_info=True)


def daily_limit() -> int:
    """Scored explanations per player per UTC day."""
    return int(_overrides().get(DAILY_LIMIT, settings.DAILY_SCORED_EXPLANATIONS))


def daily_budget_usd() -> float:
    """What paid models may cost per UTC day, in US dollars."""
    return float(_overrides().get(DAILY_BUDGET_USD, settings.SCORING_DAILY_BUDGET_USD))


def is_overridden(key: str) -> bool:
    """Whether an operator set `key` (otherwise the environment's default applies)."""
    return key in _overrides()


def check_daily_limit(value: Any) -> int:
    """`value` as a valid daily limit, or a ServiceError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ServiceError("The daily limit must be a whole number.", field=DAILY_LIMIT)
    if not LIMIT_MIN <= value <= LIMIT_MAX:
        raise ServiceError(
            f"The daily limit must be between {LIMIT_MIN} and {LIMIT_MAX}; got {value}.", field=DAILY_LIMIT
        )
    return value


def check_daily_budget_usd(value: Any) -> float:
    """`value` as a valid daily budget in USD, or a ServiceError naming the field."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ServiceError("The daily budget must be a number of US dollars.", field=DAILY_BUDGET_USD)
    if not BUDGET_MIN_USD <= value <= BUDGET_MAX_USD:
        raise ServiceError(
            f"The daily budget must be between {BUDGET_MIN_USD:g} and {BUDGET_MAX_USD:g} USD; got {value:g}.",
            field=DAILY_BUDGET_USD,
        )
    return float(value)


def site_settings_set(*, daily_limit: int | None = None, daily_budget_usd: float | None = None) -> None:
    """Override the daily limit and/or budget for every process. Validates both before
    saving either (ServiceError 400), so a bad value changes nothing."""
    changes: dict[str, Any] = {}
    if daily_limit is not None:
        changes[DAILY_LIMIT] = check_daily_limit(daily_limit)
    if daily_budget_usd is not None:
        changes[DAILY_BUDGET_USD] = check_daily_budget_usd(daily_budget_usd)
    if not changes:
        return
    with transaction.atomic():
        for key, value in changes.items():
            SiteSetting.objects.update_or_create(key=key, defaults={"value": value})
        # Now for this process, and again after commit: a reader in between may have cached
        # the old values from the database.
        _forget()
        transaction.on_commit(_forget)
