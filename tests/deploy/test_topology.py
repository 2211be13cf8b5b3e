"""The production topology, for real: haproxy in front of two gunicorn servers and a daphne, a
job worker, and a private PostgreSQL and Redis (so stopping the database here touches nothing
else on the machine). Through the balancer: health, the API, a websocket; a killed web server
costs no request; a stopped database is a JSON 503 within seconds, and the site answers again
once it is back. Skipped, with the reason, where haproxy, PostgreSQL or Redis is not installed."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests

from deploy import haproxy
from deploy.processes import free_port
from deploy.services import pg_bin_dir, redis_server
from deploy.topology import Topology
from tests.tiny_pack import write_tiny_pack


def _missing() -> str | None:
    if haproxy.haproxy_binary() is None:
        return "needs Debian's haproxy (apt-get install haproxy; scripts/test installs it)"
    if pg_bin_dir() is None:
        return "needs PostgreSQL's server binaries (initdb, pg_ctl: apt-get install postgresql)"
    if redis_server() is None:
        return "needs redis-server (apt-get install redis-server)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "needs runuser to run PostgreSQL as the postgres user"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Topology]:
    pack = write_tiny_pack(tmp_path_factory.mktemp("pack"))
    topology = Topology.private(port=free_port(), web=2, web_workers=1, ws=1, workers=1,
                                run_dir=tmp_path_factory.mktemp("topology"))
    try:
        topology.prepare(str(pack), plant=False, score=False)
        topology.start()
    except BaseException:
        print(topology.logs())
        topology.stop()
        raise
    yield topology
    topology.stop()


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.trust_env = False  # no proxy between us and 127.0.0.1
        yield session


@contextmanager
def logs_on_failure(site: Topology) -> Iterator[None]:
    try:
        yield
    except BaseException:
        print(site.logs())
        raise


def eventually(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `check()` held."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < timeout, f"not within {timeout:g} s: {what}"
        time.sleep(0.1)
    return time.monotonic() - start


def test_healthz_and_the_api_answer_through_the_balancer(site, http) -> None:
    with logs_on_failure(site):
        health = http.get(f"{site.url}/healthz", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json()["checks"] == {"database": "ok", "cache": "ok", "channel_layer": "ok"}
        puzzle = http.get(f"{site.url}/api/puzzle/next", timeout=30)
        assert puzzle.status_code == 200, puzzle.text
        assert puzzle.json()["puzzle_id"]
        # Static files come from STATIC_ROOT (collectstatic) through whitenoise, DEBUG off.
        assert http.get(f"{site.url}/static/css/site.css", timeout=10).status_code == 200


def test_a_websocket_connects_through_the_balancer(site) -> None:
    import websockets

    async def hello_and_ping() -> tuple[dict, dict]:
        async with websockets.connect(site.ws_url, additional_headers={"Origin": site.url}, open_timeout=10) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send(json.dumps({"type": "ping"}))
            return hello, json.loads(await asyncio.wait_for(ws.recv(), 10))

    with logs_on_failure(site):
        hello, pong = asyncio.run(hello_and_ping())
        assert hello == {"type": "hello", "authenticated": False}
        assert pong == {"type": "pong"}


def test_a_killed_web_server_costs_no_request(site, http) -> None:
    with logs_on_failure(site):
        site.kill_web(0)
        statuses = [http.get(f"{site.url}/api/puzzle/next", timeout=30).status_code for _ in range(20)]
        assert statuses == [200] * 20
        # The balancer's health checks take the dead server out of rotation by themselves.
        eventually(lambda: site.balancer_states().get("web/web0") == "DOWN", 5, "web0 out of rotation")
        site.start_web(0)
        assert http.get(f"{site.url}/healthz", timeout=10).status_code == 200


def test_a_stopped_database_is_a_json_503_and_the_site_recovers(site, http) -> None:
    def api_status() -> int:
        return http.get(f"{site.url}/api/puzzle/next", timeout=30).status_code

    with logs_on_failure(site):
        assert api_status() == 200
        site.stop_database()
        try:
            eventually(lambda: api_status() == 503, 5, "503 from the API with the database stopped")
            down = http.get(f"{site.url}/api/puzzle/next", timeout=30)
            assert down.status_code == 503 and down.headers["Content-Type"] == "application/json"
            assert "try again" in down.json()["error"]
            assert down.headers["Retry-After"].isdigit()
            page = http.get(f"{site.url}/leaderboard", timeout=30)
            assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
            assert "reach our database" in page.text
            assert http.get(f"{site.url}/healthz", timeout=10).status_code == 503
        finally:
            site.start_database()
        # Every web process reconnects by itself: a run of requests spread over both servers.
        eventually(lambda: api_status() == 200, 10, "200 from the API with the database back")
        assert [api_status() for _ in range(6)] == [200] * 6
        assert http.get(f"{site.url}/healthz", timeout=10).status_code == 200
