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


# --- Tokens are managed from the browser session only ------------------------------------------


def _bearer(user) -> tuple[Client, dict[str, str]]:
    from accounts.tokens import api_token_create

    raw = api_token_create(user=user, name="script")[1]
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_a_token_cannot_list_tokens() -> None:
    client, auth = _bearer(make_user())
    response = client.get("/api/me/tokens", **auth)
    assert response.status_code == 403
    assert "browser session" in response.json()["error"]


def test_a_token_cannot_create_a_token() -> None:
    user = make_user()
    client, auth = _bearer(user)
    response = post_json(client, "/api/me/tokens", {"name": "another"}, **auth)
    assert response.status_code == 403
    assert "browser session" in response.json()["error"]
    assert ApiToken.objects.filter(user=user).count() == 1


def test_a_token_cannot_revoke_a_token() -> None:
    user = make_user()
    client, auth = _bearer(user)
    token = ApiToken.objects.get(user=user)
    response = client.delete(f"/api/me/tokens/{token.pk}", **auth)
    assert response.status_code == 403
    assert "browser session" in response.json()["error"]
    token.refresh_from_db()
    assert token.revoked is None


def test_a_token_still_works_for_the_rest_of_the_api() -> None:
    user = make_user()
    client, auth = _bearer(user)
    assert client.get("/api/me", **auth).json()["username"] == user.username


def test_the_session_still_lists_creates_and_revokes_tokens() -> None:
    client = logged_in(make_user())
    created = post_json(client, "/api/me/tokens", {"name": "nb"}).json()
    assert [t["id"] for t in client.get("/api/me/tokens").json()["tokens"]] == [created["id"]]
    assert client.delete(f"/api/me/tokens/{created['id']}").status_code == 200


def test_the_profile_form_shows_a_new_token_once_and_keeps_only_its_hash() -> None:
    user = make_user()
    client = logged_in(user)
    response = client.post("/profile/tokens", {"name": "notebook"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=user)
    raw = response.context["raw"]
    assert raw.startswith("lp_") and raw.encode() in response.content
    assert token.key_hash == ApiToken.hash(raw) and raw not in (token.key_hash, token.hint, token.name)
    # Kept nowhere else: not in the session, and not on the profile page afterwards.
    assert raw not in repr(dict(client.session.items()))
    assert raw.encode() not in client.get("/profile").content


def test_a_token_created_over_the_api_is_not_kept_in_the_session() -> None:
    client = logged_in(make_user())
    raw = post_json(client, "/api/me/tokens", {"name": "nb"}).json()["token"]
    assert raw not in repr(dict(client.session.items()))
