"""`GET /api/me/data`: everything kept about the calling player, and nothing of anyone else."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from accounts.tokens import api_token_create
from game.models import PuzzleView
from game.services.votes import vote_cast
from moderation.services import Target, report_file
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in

pytestmark = pytest.mark.django_db

URL = "/api/me/data"


def _player_with_history():
    feature = make_feature()
    player, other = make_user(username="fruitfan"), make_user(username="veggiefan")
    mine = make_explanation(feature=feature, author=player, text="fires on fruit names", score=0.5)
    theirs = make_explanation(feature=feature, author=other, text="secret of the other player")
    vote_cast(user=player, explanation=theirs)
    vote_cast(user=other, explanation=mine)
    report_file(reporter=player, target=Target(kind="explanation", explanation=theirs), reason="spam", note="copied")
    report_file(reporter=other, target=Target(kind="explanation", explanation=mine), reason="abuse")
    PuzzleView.objects.create(user=player, feature=feature)
    PuzzleView.objects.create(user=other, feature=feature, action="skip")
    return feature, player, other, mine, theirs


def test_it_downloads_the_players_own_data_as_a_file() -> None:
    feature, player, other, mine, theirs = _player_with_history()
    response = logged_in(player).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="latentpedia-data-fruitfan.json"'
    data = json.loads(response.content)
    account = data["account"]
    assert (account["username"], account["email"]) == ("fruitfan", player.email)
    assert account["date_joined"] and account["preferences"]["hide_explicit"] is False
    ref = {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index}
    assert data["explanations"] == [{
        "id": mine.pk, "feature": ref, "text": "fires on fruit names", "status": "scored", "hidden": False,
        "score": 0.5, "score_method": mine.score_method, "votes": 1, "created": mine.created.isoformat(),
    }]
    assert [v["explanation_id"] for v in data["votes"]] == [theirs.pk]
    assert [(r["target"], r["reason"], r["note"]) for r in data["reports"]] == [
        ({"kind": "explanation", "id": theirs.pk}, "spam", "copied")]
    assert [(v["feature"], v["action"]) for v in data["puzzle_views"]] == [(ref, "seen")]
    assert {p["reason"] for p in data["points_events"]} <= {"vote_received", "new_best", "settled_best", "consensus"}


def test_nothing_of_another_player_is_in_it() -> None:
    feature, player, other, mine, theirs = _player_with_history()
    body = logged_in(player).get(URL).content.decode()
    for secret in ("veggiefan", other.email, "secret of the other player", '"abuse"', '"skip"'):
        assert secret not in body


def test_a_token_may_download_it_too() -> None:
    player = make_user(username="scripted")
    raw = api_token_create(user=player, name="nb")[1]
    response = Client().get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    data = response.json()
    assert data["account"]["username"] == "scripted"
    assert [t["name"] for t in data["account"]["api_tokens"]] == ["nb"]
    assert raw not in response.content.decode()


def test_anonymous_callers_get_a_401() -> None:
    response = Client().get(URL)
    assert response.status_code == 401
    assert "error" in response.json()
