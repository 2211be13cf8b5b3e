"""Two daphne processes on one Redis: a score event sent from here reaches a socket on B."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from game import events
from tests.factories import make_explanation, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited: {proc.stdout.read().decode(errors='replace')[-2000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"daphne did not listen on {port}")


def score_finished_and_close(explanation_id: int) -> None:
    try:
        events.score_finished(explanation_id)
    finally:
        connection.close()  # this thread's connection, so the test database can be dropped


@pytest.fixture
def two_daphnes():
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": os.environ["REDIS_URL"],
        "DJANGO_SETTINGS_MODULE": "latentpedia.settings",
        "SECRET_KEY": django_settings.SECRET_KEY,
        "DB_CONN_MAX_AGE": "0",
    }
    ports = [free_port(), free_port()]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(p), "latentpedia.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        for p in ports
    ]
    try:
        for p, proc in zip(ports, procs):
            wait_listening(p, proc)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=10)


def test_a_score_event_reaches_the_player_on_another_daphne_process(two_daphnes) -> None:
    import websockets

    author = make_user()
    mine = make_explanation(author=author, score=0.7)
    client = Client()
    client.force_login(author)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    port_b = two_daphnes[1]

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{port_b}/ws/game/",
            additional_headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port_b}"},
        ) as ws:
            hello = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert hello["authenticated"] is True
            await asyncio.to_thread(score_finished_and_close, mine.pk)
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if message["type"] == "score":
                    return message

    message = asyncio.run(scenario())
    assert message["explanation_id"] == mine.pk
    assert message["score"] == 0.7
