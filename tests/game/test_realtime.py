from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from game import events
from game.consumers import GameConsumer
from latentpedia.asgi import application
from scoring.registry import scorer_version
from tests.factories import make_explanation, make_feature, make_user

pytestmark = [
    pytest.mark.django_db(transaction=True)
]


@pytest.fixture(autouse=True)
def _close_worker_thread_connections():
    yield
    # The consumer's queries ran in asgiref's worker thread: close its connections there,
    # or PostgreSQL cannot drop the test database at the end of the run.
    import asyncio

    from django.db import connections

    asyncio.run(sync_to_async(connections.close_all)())


async def connect_as(user=None) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(GameConsumer.as_asgi(), "/ws/game/")
    if user is not None:
        communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


def run(coro):
    import asyncio

    return asyncio.run(coro)


def test_the_author_hears_their_score_and_whether_it_beat_the_best() -> None:
    author = make_user()
    feature = make_feature()
    make_explanation(feature=feature, score=0.4)
    mine = make_explanation(feature=feature, author=author, score=0.7)

    async def scenario():
        ws = await connect_as(author)
        assert (await ws.receive_json_from())["authenticated"] is True
        await sync_to_async(events.score_finished)(mine.pk)
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = run(scenario())
    assert {k: message[k] for k in ("type", "explanation_id", "status", "score", "beat_best", "previous_best", "error")} == {
        "type": "score", "explanation_id": mine.pk, "status": "scored", "score": 0.7,
        "beat_best": True, "previous_best": 0.4, "error": None,
    }
    assert message["score_method"] == settings.SCORING_METHOD and message["score_version"] == scorer_version(settings.SCORING_METHOD)
    assert message["verdict"].startswith("New best: 0.70 beats the best so far (0.40)")


def test_everyone_hears_the_leaderboard_after_a_score() -> None:
    mine = make_explanation(author=make_user(username="zoe"), score=0.7)

    async def scenario():
        ws = await connect_as()
        assert (await ws.receive_json_from())["authenticated"] is False
        await sync_to_async(events.score_finished)(mine.pk)
        message = await ws.receive_json_from(timeout=5)
        await ws.disconnect()
        return message

    message = run(scenario())
    assert message["type"] == "leaderboard"
    assert message["entries"][0]["username"] == "zoe"


def test_another_player_does_not_hear_my_score() -> None:
    mine = make_explanation(author=make_user(), score=0.7)
    other = make_user()

    async def scenario():
        ws = await connect_as(other)
        await ws.receive_json_from()
        await sync_to_async(events.score_finished)(mine.pk)
        first = await ws.receive_json_from(timeout=5)
        nothing = await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()
        return first, nothing

    first, nothing = run(scenario())
    assert first["type"] == "leaderboard"
    assert nothing


def test_the_asgi_app_authenticates_the_socket_from_the_session_cookie() -> None:
    user = make_user()
    client = Client()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario():
        ws = WebsocketCommunicator(
            application, "/ws/game/", headers=[(b"cookie", cookie), (b"origin", b"http://testserver")]
        )
        connected, _ = await ws.connect()
        hello = await ws.receive_json_from()
        await ws.send_json_to({"type": "ping"})
        pong = await ws.receive_json_from()
        await ws.disconnect()
        return connected, hello, pong

    connected, hello, pong = run(scenario())
    assert connected and hello["authenticated"] is True and pong == {"type": "pong"}


def test_a_socket_from_a_foreign_origin_is_refused() -> None:
    async def scenario():
        ws = WebsocketCommunicator(application, "/ws/game/", headers=[(b"origin", b"http://evil.example")])
        connected, _ = await ws.connect()
        return connected

    assert run(scenario()) is False
