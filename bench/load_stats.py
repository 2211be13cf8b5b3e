"""Figures from a load run's samples: the per-route table, and which failures a fault excuses.

A failure is a 5xx answer or no answer at all (connection refused or reset, timeout). Outside
every fault window none is allowed. Inside one, what is allowed depends on the fault:

- `web` (one backend killed): nothing, except requests that were in flight on that backend at
  the instant it died (the balancer cannot finish those; the client sees 502 or a reset);
- `redis`, `database`: only 503s (the dependency is gone; the answer says so) and, for the
  websocket, a refused handshake (players reconnect);
- `worker`: nothing (the web tier does not depend on the worker).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.players import ROUTES, Sample

WS = ROUTES[6]


@dataclass
class FaultWindow:
    kind: str
    start: float  # on the record's clock: when the fault was done
    end: float  # when it was undone, plus the grace the balancer needs to notice
    instant: float | None = None  # for a kill: the moment of the kill
    notes: dict[str, Any] = field(default_factory=dict)

    def covers(self, t: float) -> bool:
        return self.start <= t <= self.end

    def as_dict(self) -> dict[str, Any]:
        return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def failed(s: Sample) -> bool:
    return s.status is None or s.status >= 500


def _percentile(sorted_values: list[float], q: float) -> float | None:
    if not sorted_values:
        return None
    i = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[i]


def route_table(samples: Iterable[Sample], seconds: float) -> dict[str, dict[str, Any]]:
    """Per route: requests/s, latency percentiles (ms, over requests that got an answer),
    and counts by outcome (429s apart from errors)."""
    by_route: dict[str, list[Sample]] = {r: [] for r in ROUTES}
    for s in samples:
        by_route.setdefault(s.route, []).append(s)
    table = {}
    for route, rows in by_route.items():
        answered = sorted((s.end - s.start) * 1000 for s in rows if s.status is not None)
        table[route] = {
            "requests": len(rows),
            "per_s": round(len(rows) / seconds, 2) if seconds else None,
            "p50_ms": _round(_percentile(answered, 0.50)),
            "p95_ms": _round(_percentile(answered, 0.95)),
            "p99_ms": _round(_percentile(answered, 0.99)),
            "ok": sum(1 for s in rows if s.status is not None and s.status < 400),
            "4xx": sum(1 for s in rows if s.status is not None and 400 <= s.status < 500 and s.status != 429),
            "429": sum(1 for s in rows if s.status == 429),
            "5xx": sum(1 for s in rows if s.status is not None and s.status >= 500),
            "no_answer": sum(1 for s in rows if s.status is None),
        }
    return table


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def _excused(s: Sample, window: FaultWindow) -> bool:
    if window.kind == "web":
        # In flight when the backend died. The kill happened between the window's start (just
        # before the signal) and `instant` (once the processes were gone): a request under way
        # at any moment of that span may have been cut.
        return window.instant is not None and s.start <= window.instant and s.end >= window.start
    if window.kind in ("redis", "database"):
        return s.status == 503 or (s.route == WS and s.status is None)
    return False


def classify_failures(samples: Iterable[Sample], windows: list[FaultWindow]) -> dict[str, Any]:
    """Failures split into: outside any window, excused by the window they fell in, and not
    excused (a 500 while the database was away, a refused request while a backend was down)."""
    outside: list[Sample] = []
    excused: list[Sample] = []
    forbidden: list[Sample] = []
    for s in samples:
        if not failed(s):
            continue
        # A request counts in a window if it was under way at any time within it.
        hits = [w for w in windows if s.start <= w.end and s.end >= w.start]
        if not hits:
            outside.append(s)
        elif any(_excused(s, w) for w in hits):
            excused.append(s)
        else:
            forbidden.append(s)

    def summary(rows: list[Sample]) -> dict[str, Any]:
        by_status: dict[str, int] = {}
        for s in rows:
            key = str(s.status) if s.status is not None else "no_answer"
            by_status[key] = by_status.get(key, 0) + 1
        return {"count": len(rows), "by_status": by_status,
                "examples": [{"route": s.route, "t": round(s.start, 2), "status": s.status, "error": s.error}
                             for s in rows[:5]]}

    return {"outside_windows": summary(outside), "excused_in_window": summary(excused),
            "not_excused_in_window": summary(forbidden)}


def format_table(table: dict[str, dict[str, Any]]) -> str:
    """The per-route table as aligned text."""
    cols = ["requests", "per_s", "p50_ms", "p95_ms", "p99_ms", "ok", "4xx", "429", "5xx", "no_answer"]
    width = max(len(r) for r in table) + 2
    lines = ["route".ljust(width) + "".join(c.rjust(10) for c in cols)]
    for route, row in table.items():
        lines.append(route.ljust(width) + "".join(
            ("-" if row[c] is None else str(row[c])).rjust(10) for c in cols))
    return "\n".join(lines)
