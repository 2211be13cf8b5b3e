"""Two daphne processes on one Redis: score events reach a player's socket on process B,
whether sent from here or finished by a job worker after a submission to process A."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client

from game import events
from tests.factories import make_explanation, make_feature, make_user
from tests.servers import daphnes

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


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
    with daphnes(2, env) as ports:
        yield ports


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


def test_a_submission_to_a_scored_by_the_worker_reaches_the_player_on_b(two_daphnes, tmp_path) -> None:
    import urllib.request

    import websockets

    from accounts.tokens import api_token_create

    author = make_user()
    feature = make_feature()
    _, raw_token = api_token_create(user=author, name="test")
    client = Client()
    client.force_login(author)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    port_a, port_b = two_daphnes
    db = connection.settings_dict
    worker_log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--poll", "0.2"], cwd=ROOT, stdout=worker_log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
             "DJANGO_SETTINGS_MODULE": "latentpedia.settings", "DB_CONN_MAX_AGE": "0"},
    )

    def submit_to_a() -> dict:
        body = json.dumps({"model": feature.source.model.slug, "source": feature.source.slug,
                           "index": feature.index, "text": "the word banana"}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port_a}/api/explanations", data=body, method="POST",
            headers={"Authorization": f"Bearer {raw_token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    async def scenario():
        async with websockets.connect(
            f"ws://127.0.0.1:{port_b}/ws/game/",
            additional_headers={"Cookie": cookie, "Origin": f"http://127.0.0.1:{port_b}"},
        ) as ws:
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["authenticated"] is True
            created = await asyncio.to_thread(submit_to_a)
            assert created["status"] == "queued"
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 90))
                if message["type"] == "score":
                    return created, message

    try:
        created, message = asyncio.run(scenario())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert message["explanation_id"] == created["id"]
    assert message["status"] == "scored" and isinstance(message["score"], float)


def test_an_idle_socket_outlives_the_redis_blocking_pop(two_daphnes) -> None:
    import websockets

    port = two_daphnes[0]

    async def scenario():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws/game/",
                                      additional_headers={"Origin": f"http://127.0.0.1:{port}"}) as ws:
            await asyncio.wait_for(ws.recv(), 10)  # hello
            await asyncio.sleep(7)  # longer than channels-redis's 5 s pop and redis-py's default timeout
            await ws.send(json.dumps({"type": "ping"}))
            return json.loads(await asyncio.wait_for(ws.recv(), 10))

    assert asyncio.run(scenario())["type"] == "pong"
