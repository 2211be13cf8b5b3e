"""The worker loop: claim a job, run its handler while renewing the lease, record the outcome."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection

from jobs import queue
from jobs.models import Job
from jobs.registry import Defer, RetryLater, get_handler, run_due_hooks, run_start_hooks

log = logging.getLogger(__name__)

# Losing the database is no fault of the job: nothing can be recorded until it is back.
DATABASE_GONE = (OperationalError, InterfaceError)
# Kept on a job whose run the database's loss cut short (it is run again; the try does not count).
DATABASE_LOST_MESSAGE = "the database was unreachable while it ran"
# Waits between tries while the database is unreachable (seconds), doubling to the last.
DATABASE_RETRY_S = (0.5, 1.0, 2.0, 5.0)


# Finished jobs are pruned at most this often per process (the check itself is a clock read).
PRUNE_EVERY_S = 3600.0
_next_prune_at = 0.0
_prune_lock = threading.Lock()


def _prune_due(now: float | None = None) -> bool:
    """True at most once per PRUNE_EVERY_S in this process (and then books the next one)."""
    global _next_prune_at
    now = time.monotonic() if now is None else now
    with _prune_lock:
        if now < _next_prune_at:
            return False
        _next_prune_at = now + PRUNE_EVERY_S
        return True


def _prune_quietly() -> int:
    try:
        deleted = queue.prune()
    except Exception:  # noqa: BLE001 - housekeeping must not stop the worker; next hour tries again
        log.exception("pruning finished jobs failed")
        return 0
    if deleted:
        log.info("pruned %d finished job(s)", deleted)
    return deleted


def maybe_prune(now: float | None = None) -> int | None:
    """Prune finished jobs if this process has not in the last hour; None when not due."""
    return _prune_quietly() if _prune_due(now) else None


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class _LeaseKeeper(threading.Thread):
    """Renews a job's lease until stopped, so a long job is not taken for abandoned."""

    def __init__(self, job: Job, worker_id: str) -> None:
        super().__init__(daemon=True)
        self.job, self.worker_id = job, worker_id
        self.stop_event = threading.Event()

    def run(self) -> None:
        interval = max(1.0, settings.JOB_LEASE_SECONDS / 3)
        try:
            while not self.stop_event.wait(interval):
                try:
                    queue.renew_lease(self.job, self.worker_id)
                except DATABASE_GONE:
                    # Try again next round on a fresh connection; a lease that lapses meanwhile
                    # only lets another worker take the job over, which the queue allows for.
                    log.warning("lease of job %s not renewed: the database is unreachable", self.job.pk)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection; it ends with the job


def run_one(job: Job, worker_id: str) -> str:
    """Run a claimed job to an outcome: 'done', 'retry', 'deferred' or 'failed'."""
    try:
        registered = get_handler(job.name)
    except KeyError:
        queue.mark_failed(job, worker_id, f"No handler registered for job {job.name!r}")
        return "failed"
    keeper = _LeaseKeeper(job, worker_id)
    keeper.start()
    try:
        registered.run(job.payload)
    except Defer as exc:
        queue.mark_retry(job, worker_id, str(exc), exc.delay_s, count_attempt=False)
        return "deferred"
    except RetryLater as exc:
        if job.attempts < job.max_attempts:
            delay = exc.delay_s if exc.delay_s is not None else queue.backoff_seconds(job.attempts)
            queue.mark_retry(job, worker_id, str(exc), delay)
            return "retry"
        reason = f"Gave up after {job.attempts} attempts: {exc}"
        _give_up(job, worker_id, registered, reason)
        return "failed"
    except DATABASE_GONE:
        raise  # the worker loop waits for the database and hands the job back
    except Exception as exc:  # noqa: BLE001 - any other error is permanent for this job
        log.exception("Job %s failed", job)
        _give_up(job, worker_id, registered, f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
        return "failed"
    finally:
        keeper.stop_event.set()
        keeper.join(timeout=5)
    queue.mark_done(job, worker_id)
    return "done"


def _give_up(job: Job, worker_id: str, registered, reason: str) -> None:
    if registered.on_give_up is not None:
        registered.on_give_up(job.payload, reason.splitlines()[0])
    queue.mark_failed(job, worker_id, reason)


def _refresh_connections() -> None:
    # Drop connections the database closed while idle; never inside a caller's transaction
    # (tests run the worker inside one, and closing there would end it).
    if not connection.in_atomic_block:
        close_old_connections()


def work(
    *,
    worker_id: str | None = None,
    poll_s: float = 0.5,
    burst: bool = False,
    max_jobs: int | None = None,
    names: list[str] | None = None,
) -> int:
    """Process jobs until stopped (SIGTERM/SIGINT finish the current job first).
    `burst` stops when the queue is empty. Returns the number of jobs run."""
    worker_id = worker_id or default_worker_id()
    stopping = threading.Event()

    def _stop(signum, frame) -> None:  # noqa: ARG001
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    if not burst:
        run_start_hooks()
    ran = 0
    interrupted: Job | None = None  # claimed, but the database went away before its outcome was saved
    failures = 0
    while not stopping.is_set() and (max_jobs is None or ran < max_jobs):
        job = None
        try:
            _refresh_connections()
            if interrupted is not None:
                # Back in the queue at once rather than when its lease runs out; the try does not count.
                queue.mark_retry(interrupted, worker_id, DATABASE_LOST_MESSAGE, 0,
                                 count_attempt=False)
                interrupted = None
            maybe_prune()
            if not burst:
                run_due_hooks()
            job = queue.claim(worker_id, names=names)
            failures = 0
            if job is None:
                if burst:
                    break
                stopping.wait(poll_s)
                continue
            outcome = run_one(job, worker_id)
        except DATABASE_GONE as exc:
            interrupted = job or interrupted
            wait = DATABASE_RETRY_S[min(failures, len(DATABASE_RETRY_S) - 1)]
            failures += 1
            log.warning("database unreachable (%s); trying again in %.1fs", str(exc).strip()[:200], wait)
            if not connection.in_atomic_block:
                connection.close()
            stopping.wait(wait)
            continue
        log.info("job %s #%s: %s", job.name, job.pk, outcome)
        ran += 1
    return ran


def _leave_a_core_for_requests() -> None:
    # Scoring shares this process with the web server: one torch thread keeps a core free.
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # torch-free deployments have no local scorer to limit
        pass


async def work_in_event_loop(*, worker_id: str | None = None, poll_s: float = 0.5) -> None:
    """The worker as a task on a web server's event loop, for the embedded default.

    With the in-memory channel layer only code in the web process can reach its websockets.
    Jobs run in executor threads; asgiref routes their `async_to_sync(group_send)` back to
    this loop, so a finished score reaches the player's socket live.
    """
    import asyncio

    from asgiref.sync import sync_to_async

    worker_id = worker_id or f"{default_worker_id()}:embedded"
    _leave_a_core_for_requests()
    await sync_to_async(run_start_hooks, thread_sensitive=False)()
    claim = sync_to_async(queue.claim, thread_sensitive=False)
    run = sync_to_async(run_one, thread_sensitive=False)
    prune = sync_to_async(_prune_quietly, thread_sensitive=False)
    hooks = sync_to_async(run_due_hooks, thread_sensitive=False)
    while True:
        try:
            if _prune_due():
                await prune()
            await hooks()
            job = await claim(worker_id)
            if job is None:
                await asyncio.sleep(poll_s)
                continue
            outcome = await run(job, worker_id)
            log.info("job %s #%s: %s", job.name, job.pk, outcome)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the loop must outlive one bad poll (e.g. a locked database)
            log.exception("embedded worker poll failed")
            await asyncio.sleep(poll_s * 4)
