"""Job handlers by name, and the exceptions a handler uses to steer retries.

Apps register in a module named `jobs` of their own (e.g. `game/jobs.py`), which
`JobsConfig.ready()` imports: the queue never imports an app.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Handler = Callable[[dict[str, Any]], None]
GiveUp = Callable[[dict[str, Any], str], None]

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """A transient failure (timeout, 429, 5xx): run the job again after a backoff."""

    def __init__(self, message: str, delay_s: float | None = None) -> None:
        super().__init__(message)
        self.delay_s = delay_s


class Defer(Exception):
    """Not a failure: the job cannot run yet (e.g. the budget is spent). Does not use an attempt."""

    def __init__(self, message: str, delay_s: float) -> None:
        super().__init__(message)
        self.delay_s = delay_s


@dataclass(frozen=True)
class Registered:
    run: Handler
    on_give_up: GiveUp | None


_HANDLERS: dict[str, Registered] = {}


def job_handler(name: str, *, on_give_up: GiveUp | None = None) -> Callable[[Handler], Handler]:
    """Register `fn(payload)` under `name`; `on_give_up(payload, reason)` runs when it fails for good."""

    def register(fn: Handler) -> Handler:
        _HANDLERS[name] = Registered(fn, on_give_up)
        return fn

    return register


def get_handler(name: str) -> Registered:
    return _HANDLERS[name]


_ON_START: list[Callable[[], None]] = []


def on_worker_start(fn: Callable[[], None]) -> Callable[[], None]:
    """Register `fn()` to run once when a worker starts (e.g. queue work that a changed
    configuration calls for). Apps register; the queue never needs to know them."""
    _ON_START.append(fn)
    return fn


def run_start_hooks() -> None:
    for fn in _ON_START:
        try:
            fn()
        except Exception:  # noqa: BLE001 - a failed hook must not keep the worker from working
            log.exception("worker start hook %s failed", getattr(fn, "__name__", fn))


@dataclass
class _Periodic:
    fn: Callable[[], None]
    every_s: float
    next_at: float = 0.0  # monotonic time it is next due; 0: at the worker's first look


_PERIODIC: list[_Periodic] = []


def every(seconds: float) -> Callable[[Callable[[], None]], Callable[[], None]]:
    """Register `fn()` to run in every worker between jobs, at most once per `seconds` (first at
    once): housekeeping that must happen even when the process that owed it died. Every worker
    runs it, so it must be safe to run twice at the same time."""

    def register(fn: Callable[[], None]) -> Callable[[], None]:
        _PERIODIC.append(_Periodic(fn, seconds))
        return fn

    return register


def run_due_hooks(now: float | None = None) -> int:
    """Run the periodic hooks that are due in this process; returns how many ran."""
    now = time.monotonic() if now is None else now
    ran = 0
    for hook in _PERIODIC:
        if now < hook.next_at:
            continue
        hook.next_at = now + hook.every_s
        ran += 1
        try:
            hook.fn()
        except Exception:  # noqa: BLE001 - housekeeping must not stop the worker; next round tries again
            log.exception("periodic hook %s failed", getattr(hook.fn, "__name__", hook.fn))
    return ran
