"""Django's ASGI handler, with its request threads kept between requests and a bound on how
many run at once.

Django runs each ASGI request's synchronous work (middleware, views, the ORM) on a thread made
for that request and ended with it. Database connections belong to a thread, so every request
also opened and closed its own connection: on SQLite a file open, a schema parse and the
registration of Django's SQL functions, more than most views cost. Here a finished request's
thread goes back to a pool and the next request runs on it, with the connection it left open
(`CONN_MAX_AGE` decides how long that lives; Django's request signals still close one that
errored or aged out). One request holds a thread for the whole of its life, as before:
requests never share a connection or a transaction.

Python runs one thread at a time. With a thread per open connection (32 under load), every
hand-over between the event loop and the request threads queued behind the others, and a
puzzle took twice the CPU it takes alone. So at most `threads` requests run at once and the
rest wait their turn, first come first served. A request that has run longer than `slow_after_s`
(an upload from a slow client, a long export) stops counting against the bound, so slow
requests never hold up the quick ones.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler


class PooledThreadASGIHandler(ASGIHandler):
    def __init__(self, *, threads: int = 2, slow_after_s: float = 0.5) -> None:
        super().__init__()
        if threads < 1:
            raise ValueError("threads must be at least 1")
        self.threads = threads
        self.slow_after_s = slow_after_s
        # Only the event loop's thread touches these: no locks needed.
        self._idle: list[ThreadPoolExecutor] = []
        self._started: dict[int, float] = {}  # running request -> when it started
        self._waiting: deque[asyncio.Event] = deque()
        self._next_id = 0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self._turn()
        request_id = self._next_id = self._next_id + 1
        self._started[request_id] = time.monotonic()
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        try:
            # Given an executor, the context leaves it running on exit: it goes back to the pool.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            del self._started[request_id]
            if len(self._idle) < self.threads:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)
            self._wake_next()

    def close(self) -> None:
        """End the idle request threads, closing their database connections (a test database
        cannot be dropped while one is open)."""
        from django.db import connections

        while self._idle:
            executor = self._idle.pop()
            executor.submit(connections.close_all).result()
            executor.shutdown()

    def running_fast(self) -> int:
        """Requests running that still count against the bound (not yet slow)."""
        cutoff = time.monotonic() - self.slow_after_s
        return sum(1 for started in self._started.values() if started > cutoff)

    async def _turn(self) -> None:
        """Wait until fewer than `threads` quick requests run and no one is ahead in line."""
        if not self._waiting and self.running_fast() < self.threads:
            return
        waiter = asyncio.Event()
        self._waiting.append(waiter)
        try:
            while not (self._waiting[0] is waiter and self.running_fast() < self.threads):
                waiter.clear()
                try:
                    # Woken when a request ends, or in time to notice one that turned slow.
                    await asyncio.wait_for(waiter.wait(), self.slow_after_s / 2)
                except TimeoutError:
                    pass
        finally:
            self._waiting.remove(waiter)
            # The next in line may fit too (or the line moves on after a cancelled wait).
            self._wake_next()

    def _wake_next(self) -> None:
        if self._waiting:
            self._waiting[0].set()
