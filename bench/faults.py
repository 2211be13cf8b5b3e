"""Faults done to a running topology while players play, each returning its window.

The topology's methods block (they start and stop processes), so they run in a thread and the
players' event loop keeps going. Times are on the players' record clock, so the windows line
up with the samples.
"""

from __future__ import annotations

import asyncio
import signal
import time
from typing import Any

from bench.load_stats import FaultWindow
from bench.players import Record

# Redis last: a fault that leaves damage behind it (stale connections) then shows in its own
# phase rather than in the next one's.
KINDS = ("web", "worker", "database", "redis")
# After a fault is undone, the balancer's health checks need a moment to see the server again
# (and pooled connections to notice the restart); failures that long after still count against it.
GRACE_S = 3.0
# After a Redis restart an open socket is back in its groups at its next rejoin (the game
# consumer's REJOIN_EVERY_S, not imported: this runs without Django); a try that failed while
# Redis was down puts that up to two periods away, and a score sent before it is lost with the
# old groups.
SOCKET_REJOIN_S = 3.0
REDIS_GRACE_S = max(GRACE_S, 2 * SOCKET_REJOIN_S)


RUNNING_JOBS = "SELECT id FROM jobs_job WHERE name = 'score_explanation' AND status = 'running'"


def _wait_for_running_job(database_url: str, timeout_s: float) -> list[int]:
    """Ids of the scoring jobs a worker holds, polled until one is (players' explanations, at
    priority 0, preferred for the first half of the wait); [] if none within `timeout_s`.
    One connection, polled every few milliseconds: a job on a small pack lasts a fraction of a second."""
    import psycopg

    deadline = time.monotonic() + timeout_s
    with psycopg.connect(database_url, connect_timeout=5, autocommit=True) as conn:
        while time.monotonic() < deadline:
            players_only = time.monotonic() < deadline - timeout_s / 2
            rows = conn.execute(RUNNING_JOBS + (" AND priority = 0" if players_only else "")).fetchall()
            if rows:
                return [r[0] for r in rows]
            time.sleep(0.005)
    return []


def running_score_jobs(database_url: str) -> list[int]:
    import psycopg

    with psycopg.connect(database_url, connect_timeout=5, autocommit=True) as conn:
        return [r[0] for r in conn.execute(RUNNING_JOBS).fetchall()]


async def kill_web(topology: Any, record: Record, *, hold_s: float) -> FaultWindow:
    """SIGKILL one of the web backends, leave it down `hold_s`, start it again."""
    start = record.now()
    await asyncio.to_thread(topology.kill_web, 0, signal.SIGKILL)
    instant = record.now()
    await asyncio.sleep(hold_s)
    await asyncio.to_thread(topology.start_web, 0)
    return FaultWindow("web", start, record.now() + GRACE_S, instant=instant,
                       notes={"backend": 0, "down_s": round(record.now() - instant, 2)})


# A kill that lands between two jobs interrupts nothing; the worker is started again and killed
# at the next job, up to this many times, so the fault is the one meant: a kill mid-score.
KILL_WORKER_TRIES = 5


async def kill_worker(topology: Any, record: Record, *, hold_s: float, wait_for_job_s: float = 20.0) -> FaultWindow:
    """SIGKILL the worker while it scores a player's explanation, then start a new one. The
    killed job keeps its lease until it runs out; then the new worker runs it again."""
    database_url = topology.env["DATABASE_URL"]
    start = record.now()
    held: list[int] = []
    tries = 0
    while not held and tries < KILL_WORKER_TRIES:
        if tries:
            await asyncio.to_thread(topology.start_worker, 0)
        tries += 1
        await asyncio.to_thread(_wait_for_running_job, database_url, wait_for_job_s)
        await asyncio.to_thread(topology.kill_worker, 0, signal.SIGKILL)
        instant = record.now()
        # What the worker held when it died (a job may have finished between the query and the kill).
        held = await asyncio.to_thread(running_score_jobs, database_url)
    await asyncio.sleep(hold_s)
    await asyncio.to_thread(topology.start_worker, 0)
    return FaultWindow("worker", start, record.now() + GRACE_S, instant=instant,
                       notes={"mid_score": bool(held), "interrupted_job_ids": held, "kills": tries,
                              "down_s": round(record.now() - instant, 2)})


async def restart_redis(topology: Any, record: Record, *, hold_s: float) -> FaultWindow:
    """Restart Redis (cache, rate-limit windows and channel layer all go, nothing of the
    database's); `hold_s` is not used: a restart is as long as it takes."""
    start = record.now()
    await asyncio.to_thread(topology.restart_redis)
    return FaultWindow("redis", start, record.now() + REDIS_GRACE_S, notes={"restart_s": round(record.now() - start, 2)})


async def stop_database(topology: Any, record: Record, *, hold_s: float) -> FaultWindow:
    """Stop PostgreSQL for `hold_s`, then start it again. The jobs running at the stop lose
    their run (the worker puts them back) and are run again: noted, as for a killed worker.
    Those are the jobs running just before the stop, and those still marked running once the
    database is back: one claimed while PostgreSQL was shutting down is only in the second."""
    database_url = topology.env["DATABASE_URL"]
    held = await asyncio.to_thread(running_score_jobs, database_url)
    start = record.now()
    await asyncio.to_thread(topology.stop_database)
    stopped = record.now()
    await asyncio.sleep(hold_s)
    await asyncio.to_thread(topology.start_database)
    after = await asyncio.to_thread(running_score_jobs, database_url)
    return FaultWindow("database", start, record.now() + GRACE_S, instant=stopped,
                       notes={"down_s": round(record.now() - stopped, 2),
                              "interrupted_job_ids": sorted(set(held) | set(after))})


FAULTS = {"web": kill_web, "worker": kill_worker, "redis": restart_redis, "database": stop_database}
