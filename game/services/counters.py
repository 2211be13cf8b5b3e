"""Daily per-player counters (scored explanations, vote points) that hold under concurrency."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F

from game.models import DailyCounter


def utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def counter_take(*, user, kind: str, limit: int, day: dt.date | None = None) -> bool:
    """Take one unit of today's allowance; False when `limit` is reached.

    One conditional UPDATE (`... WHERE used < limit`), so parallel callers in any number of
    processes never take more than `limit` in total. Call it inside the transaction that does
    the work it pays for, so a rollback gives the unit back.
    """
    day = day or utc_today()
    counter, _ = _counter(user=user, kind=kind, day=day)
    return bool(DailyCounter.objects.filter(pk=counter.pk, used__lt=limit).update(used=F("used") + 1))


def counter_used(*, user, kind: str, day: dt.date | None = None) -> int:
    row = DailyCounter.objects.filter(user=user, kind=kind, day=day or utc_today()).values_list("used", flat=True)
    return row.first() or 0


def _counter(*, user, kind: str, day: dt.date) -> tuple[DailyCounter, bool]:
    # get_or_create retries the read when a parallel insert wins the unique constraint.
    with transaction.atomic():
        return DailyCounter.objects.get_or_create(user=user, kind=kind, day=day)
