from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import ApiToken
from tests.factories import make_user
from tests.game.api_helpers import logged_in, patch_json, post_json

pytestmark = pytest.mark.django_db


def test_preferences_default_to_showing_everything() -> None:
    prefs = logged_in(make_user()).get("/api/me").json()["preferences"]
    assert prefs == {"hide_explicit": False, "advanced_mode": False, "onboarded": False}


def test_preferences_can_be_changed() -> None:
    client = logged_in(make_user())
    response = patch_json(client, "/api/me/preferences", {"hide_explicit": True, "onboarded": True})
    assert response.status_code == 200
    assert client.get("/api/me").json()["preferences"] == {
        "hide_explicit": True, "advanced_mode": False, "onboarded": True,
    }


def test_an_unknown_preference_is_refused() -> None:
    response = patch_json(logged_in(make_user()), "/api/me/preferences", {"dark": True})
    assert response.status_code == 400
    assert response.json()["field"] == "dark"


def test_a_non_boolean_preference_is_refused() -> None:
    response = patch_json(logged_in(make_user()), "/api/me/preferences", {"hide_explicit": "yes"})
    assert response.status_code == 400


def test_a_created_token_is_shown_once_and_stored_hashed() -> None:
    client = logged_in(make_user())
    body = post_json(client, "/api/me/tokens", {"name": "notebook"}).json()
    assert body["token"].startswith("lp_")
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()
    listed = client.get("/api/me/tokens").json()["tokens"]
    assert [t["name"] for t in listed] == ["notebook"]
    assert "token" not in listed[0]


def test_a_token_can_be_revoked_by_its_owner_only() -> None:
    owner = make_user()
    token_id = post_json(logged_in(owner), "/api/me/tokens", {"name": "x"}).json()["id"]
    assert logged_in(make_user()).delete(f"/api/me/tokens/{token_id}").status_code == 404
    assert logged_in(owner).delete(f"/api/me/tokens/{token_id}").status_code == 200


def test_anonymous_players_cannot_create_tokens() -> None:
    assert post_json(Client(), "/api/me/tokens", {"name": "x"}).status_code == 401
