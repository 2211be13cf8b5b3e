"""Banning a player: every way in is closed at once (session, tokens, open websockets), their
queued scoring is cancelled, their votes and explanations stop counting; unbanning brings the
game part back."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.tokens import api_token_create
from game import jobs as game_jobs
from game.consumers import GameConsumer
from game.models import Explanation, Feature, PointsEvent
from game.services import points
from game.services.votes import vote_cast
from jobs.models import Job
from moderation.models import AuditEntry
from tests.factories import make_explanation, make_feature, make_user, set_score
from tests.game.api_helpers import logged_in, post_json
from tests.moderation.helpers import board, boards_consistent, make_moderator, total


def ban(moderator, user, action: str = "ban"):
    return post_json(logged_in(moderator), "/api/moderation/actions",
                     {"action": action, "target": {"kind": "user", "id": user.pk}, "reason": "vote ring"})


@pytest.mark.django_db
def test_a_banned_players_session_and_tokens_are_refused_at_once() -> None:
    moderator, player = make_moderator(), make_user()
    session = logged_in(player)
    _, raw = api_token_create(user=player, name="script")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert session.get("/api/me").status_code == 200 and Client().get("/api/me", **bearer).status_code == 200

    assert ban(moderator, player).status_code == 201

    assert session.get("/api/me").status_code == 401
    assert Client().get("/api/me", **bearer).status_code == 401
    assert Client().login(username=player.username, password="pw-for-tests-123") is False
    assert AuditEntry.objects.get().action == "ban"
    assert ban(moderator, player).status_code == 409  # banned already

    assert ban(moderator, player, "unban").status_code == 201
    assert Client().login(username=player.username, password="pw-for-tests-123") is True
    assert Client().get("/api/me", **bearer).status_code == 401  # revoked tokens stay revoked


@pytest.mark.django_db
def test_a_banned_players_votes_and_explanations_stop_counting_until_unbanned() -> None:
    moderator, banned, author, voter = make_moderator(), make_user(), make_user(), make_user()
    feature = make_feature()
    theirs = make_explanation(feature=feature, author=banned, status="queued")
    others = make_explanation(feature=feature, author=author, score=0.5)
    vote_cast(user=voter, explanation=theirs)
    vote_cast(user=banned, explanation=others)
    set_score(theirs, 0.9)
    assert points.feature_settle(feature) == theirs
    before = {u.username: total(u) for u in (banned, author, voter)}
    assert before[author.username] == points.VOTE_RECEIVED_POINTS  # from the banned player's vote
    feature_votes = Feature.objects.get(pk=feature.pk).vote_count

    assert ban(moderator, banned).status_code == 201

    others.refresh_from_db()
    theirs.refresh_from_db()
    assert others.vote_count == 0 and Feature.objects.get(pk=feature.pk).vote_count == feature_votes - 1
    assert total(author) == 0  # the point their vote earned is taken back
    assert total(voter) == 0  # consensus on their explanation is taken back
    assert theirs.hidden and theirs.author_banned and not theirs.moderator_hidden
    assert Feature.objects.get(pk=feature.pk).settled_explanation_id != theirs.pk
    assert banned.username not in board()
    assert boards_consistent()
    assert Client().get(f"/api/explanations/{theirs.pk}").status_code == 404

    assert ban(moderator, banned, "unban").status_code == 201

    others.refresh_from_db()
    theirs.refresh_from_db()
    assert others.vote_count == 1 and Feature.objects.get(pk=feature.pk).vote_count == feature_votes
    assert {u.username: total(u) for u in (banned, author, voter)} == before
    assert not theirs.hidden and Feature.objects.get(pk=feature.pk).settled_explanation_id == theirs.pk
    assert boards_consistent()


@pytest.mark.django_db
def test_lifting_a_ban_does_not_unhide_what_a_moderator_hid() -> None:
    moderator, banned = make_moderator(), make_user()
    hidden = make_explanation(author=banned, score=0.4)
    post_json(logged_in(moderator), "/api/moderation/actions",
              {"action": "hide", "target": {"kind": "explanation", "id": hidden.pk}, "reason": "spam"})
    ban(moderator, banned)
    ban(moderator, banned, "unban")
    hidden.refresh_from_db()
    assert hidden.hidden and hidden.moderator_hidden and not hidden.author_banned


@pytest.mark.django_db
def test_a_banned_players_queued_scoring_is_cancelled_and_queued_again_on_unban() -> None:
    moderator, banned = make_moderator(), make_user()
    explanation = make_explanation(author=banned, status="queued")
    game_jobs.enqueue_scoring(explanation)
    assert Job.objects.get().status == "ready"
    ban(moderator, banned)
    job = Job.objects.get()
    assert job.status == Job.Status.CANCELLED and "banned" in job.last_error
    ban(moderator, banned, "unban")
    assert Job.objects.filter(status="ready").count() == 1
    assert Explanation.objects.get(pk=explanation.pk).status == "queued"


@pytest.mark.django_db
def test_a_moderator_cannot_ban_themselves_or_another_moderator() -> None:
    one, two = make_moderator(), make_moderator()
    assert ban(one, one).status_code == 403
    assert ban(one, two).status_code == 403
    assert one.is_active and two.is_active and not PointsEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_banned_players_open_websocket_is_closed() -> None:
    moderator, banned, bystander = make_moderator(), make_user(), make_user()

    async def scenario():
        theirs = WebsocketCommunicator(GameConsumer.as_asgi(), "/ws/game/")
        theirs.scope["user"] = banned
        other = WebsocketCommunicator(GameConsumer.as_asgi(), "/ws/game/")
        other.scope["user"] = bystander
        assert (await theirs.connect())[0] and (await other.connect())[0]
        await theirs.receive_json_from()
        await other.receive_json_from()
        response = await sync_to_async(ban)(moderator, banned)
        assert response.status_code == 201
        closing = await theirs.receive_json_from(timeout=5)
        closed = await theirs.receive_output(timeout=5)
        # The bystander's socket stays open and still answers.
        await other.send_json_to({"type": "ping"})
        pong = None
        while pong is None or pong.get("type") != "pong":
            pong = await other.receive_json_from(timeout=5)
        await other.disconnect()
        return closing, closed

    closing, closed = asyncio.run(scenario())
    assert closing["type"] == "closed"
    assert closed == {"type": "websocket.close", "code": 4403}

    from django.db import connections

    asyncio.run(sync_to_async(connections.close_all)())


@pytest.mark.django_db
def test_an_account_deactivated_in_the_admin_stops_counting_too() -> None:
    player, author = make_user(), make_user()
    others = make_explanation(author=author, score=0.5)
    vote_cast(user=player, explanation=others)
    player.is_active = False
    player.save()
    others.refresh_from_db()
    assert others.vote_count == 0 and total(author) == 0
    player.is_active = True
    player.save()
    others.refresh_from_db()
    assert others.vote_count == 1 and total(author) == points.VOTE_RECEIVED_POINTS
