"""The ASGI handler: request threads (and their database connections) kept between requests,
at most `threads` quick requests at once, first come first served, and slow ones not counted."""

from __future__ import annotations

import asyncio
import json

import pytest

from latentpedia.asgi_handler import PooledThreadASGIHandler
from tests.latentpedia import asgi_urls

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = "tests.latentpedia.asgi_urls"
    settings.ALLOWED_HOSTS = ["testserver"]
    asgi_urls.spans.clear()


made: list[PooledThreadASGIHandler] = []


@pytest.fixture(autouse=True)
def _close_handlers():
    yield
    while made:
        made.pop().close()


def handler(**kwargs) -> PooledThreadASGIHandler:
    app = PooledThreadASGIHandler(**kwargs)
    made.append(app)
    return app


def scope(path: str) -> dict:
    route, _, query = path.partition("?")
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
            "path": route, "raw_path": route.encode(), "query_string": query.encode(), "root_path": "",
            "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 5000), "server": ("testserver", 80)}


async def get(app: PooledThreadASGIHandler, path: str) -> tuple[int, dict]:
    sent: list[dict] = []
    first = True

    async def receive() -> dict:
        nonlocal first
        if first:
            first = False
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope(path), receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


def test_sequential_requests_share_one_thread_and_its_connection():
    async def run():
        app = handler(threads=2)
        return [await get(app, "/where") for _ in range(3)]

    answers = asyncio.run(run())
    assert [status for status, _ in answers] == [200, 200, 200]
    assert len({body["thread"] for _, body in answers}) == 1
    assert len({body["connection"] for _, body in answers}) == 1


def overlapping(spans: list[tuple[str, float, float]]) -> bool:
    ordered = sorted(spans, key=lambda s: s[1])
    return any(later[1] < earlier[2] for earlier, later in zip(ordered, ordered[1:]))


@pytest.mark.parametrize("threads, overlap", [(1, False), (2, True)])
def test_at_most_threads_requests_run_at_once(threads, overlap):
    async def run():
        app = handler(threads=threads, slow_after_s=30)
        return await asyncio.gather(*(get(app, f"/sleep?s=0.3&name={i}") for i in range(2)))

    answers = asyncio.run(run())
    assert [status for status, _ in answers] == [200, 200]
    assert overlapping(asgi_urls.spans) is overlap


def test_requests_wait_their_turn_in_arrival_order():
    async def run():
        app = handler(threads=1, slow_after_s=30)
        tasks = []
        for i in range(4):
            tasks.append(asyncio.create_task(get(app, f"/sleep?s=0.05&name={i}")))
            await asyncio.sleep(0.01)  # arrive in order
        await asyncio.gather(*tasks)

    asyncio.run(run())
    assert [name for name, _, _ in asgi_urls.spans] == ["0", "1", "2", "3"]


def test_a_slow_request_does_not_hold_up_a_quick_one():
    async def run():
        app = handler(threads=1, slow_after_s=0.2)
        slow = asyncio.create_task(get(app, "/sleep?s=1.5&name=slow"))
        await asyncio.sleep(0.05)
        await get(app, "/sleep?s=0&name=quick")
        await slow

    asyncio.run(run())
    # The quick request finished first: it did not wait the slow one's 1.5 s out.
    assert [name for name, _, _ in asgi_urls.spans] == ["quick", "slow"]


def test_a_request_cancelled_while_waiting_leaves_the_line():
    async def run():
        app = handler(threads=1, slow_after_s=30)
        first = asyncio.create_task(get(app, "/sleep?s=0.3&name=first"))
        await asyncio.sleep(0.05)
        gone = asyncio.create_task(get(app, "/sleep?s=0&name=gone"))
        await asyncio.sleep(0.05)
        gone.cancel()  # the client went away while waiting
        last = asyncio.create_task(get(app, "/sleep?s=0&name=last"))
        await asyncio.wait_for(asyncio.gather(first, last), timeout=5)
        assert not app._waiting
        return gone.cancelled()

    assert asyncio.run(run()) is True
    assert [name for name, _, _ in asgi_urls.spans] == ["first", "last"]


def test_threads_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        PooledThreadASGIHandler(threads=0)
