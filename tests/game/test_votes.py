from __future__ import annotations

import pytest
from django.test import Client

from game.models import Feature, Vote
from tests.factories import make_explanation, make_user
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db


def vote_path(explanation) -> str:
    return f"/api/explanations/{explanation.pk}/vote"


def test_a_vote_counts_once_on_the_explanation_and_the_feature() -> None:
    explanation = make_explanation()
    response = post_json(logged_in(make_user()), vote_path(explanation))
    assert response.status_code == 200
    assert response.json()["votes"] == 1
    assert Feature.objects.get(pk=explanation.feature_id).vote_count == 1


def test_voting_twice_changes_nothing() -> None:
    explanation, client = make_explanation(), logged_in(make_user())
    post_json(client, vote_path(explanation))
    body = post_json(client, vote_path(explanation)).json()
    assert body["votes"] == 1
    assert body["changed"] is False
    assert Vote.objects.count() == 1


def test_the_first_vote_ever_says_so_and_later_ones_do_not() -> None:
    client = logged_in(make_user())
    assert post_json(client, vote_path(make_explanation())).json()["first_vote"] is True
    assert post_json(client, vote_path(make_explanation())).json()["first_vote"] is False


def test_a_vote_can_be_taken_back() -> None:
    explanation, client = make_explanation(), logged_in(make_user())
    post_json(client, vote_path(explanation))
    response = client.delete(vote_path(explanation))
    assert response.status_code == 200
    assert response.json()["votes"] == 0
    assert Feature.objects.get(pk=explanation.feature_id).vote_count == 0


def test_taking_back_a_vote_that_does_not_exist_changes_nothing() -> None:
    explanation = make_explanation(votes=0)
    body = logged_in(make_user()).delete(vote_path(explanation)).json()
    assert body["changed"] is False
    assert body["votes"] == 0


def test_a_player_cannot_vote_for_their_own_explanation() -> None:
    author = make_user()
    explanation = make_explanation(author=author)
    response = post_json(logged_in(author), vote_path(explanation))
    assert response.status_code == 400
    assert "own" in response.json()["error"]


def test_voting_needs_a_login() -> None:
    assert post_json(Client(), vote_path(make_explanation())).status_code == 401


def test_a_hidden_explanation_cannot_be_voted_for() -> None:
    assert post_json(logged_in(make_user()), vote_path(make_explanation(hidden=True))).status_code == 404


def test_me_says_whether_the_player_has_ever_voted() -> None:
    client = logged_in(make_user())
    assert client.get("/api/me").json()["has_voted"] is False
    post_json(client, vote_path(make_explanation()))
    assert client.get("/api/me").json()["has_voted"] is True


def test_my_votes_are_listed_for_the_profile() -> None:
    explanation, client = make_explanation(text="fruit"), logged_in(make_user())
    post_json(client, vote_path(explanation))
    votes = client.get("/api/me/votes").json()["votes"]
    assert [v["explanation_id"] for v in votes] == [explanation.pk]
