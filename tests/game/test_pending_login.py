"""Signing up or logging in submits the explanation a player typed before, and lands on that
puzzle (game.pending, game.signals, accounts.adapters.resume_after_login)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from game.models import Explanation
from game.pending import PENDING_KEY, PENDING_RESULT_KEY
from tests.factories import make_explanation, make_feature, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-passphrase-42"


def _keep(client, feature, text: str) -> None:
    ref = {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index}
    response = client.post(reverse("play-pending"), {**ref, "text": text}, content_type="application/json")
    assert response.status_code == 200


def _signup(client, username: str = "ada", next_url: str = ""):
    url = reverse("account_signup") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {
        "email": f"{username}@example.com", "username": username, "password1": PASSWORD, "password2": PASSWORD,
    })


def test_signing_up_submits_the_explanation_typed_before(client):
    feature = make_feature()
    _keep(client, feature, "fruit, especially bananas")
    _signup(client)
    explanation = Explanation.objects.get(feature=feature)
    assert explanation.text == "fruit, especially bananas"
    assert explanation.author.username == "ada"
    assert explanation.status == Explanation.Status.QUEUED


def test_signing_up_sends_the_player_back_to_the_puzzle_named_in_next(client):
    feature = make_feature()
    _keep(client, feature, "bananas")
    back = f"/play?feature={feature.source.model.slug}/{feature.source.slug}/{feature.index}"
    response = _signup(client, next_url=back)
    assert response.status_code == 302
    assert response.url == back


def test_the_account_adapter_sends_the_player_back_to_the_puzzle_without_next(client, settings):
    settings.ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
    feature = make_feature()
    _keep(client, feature, "bananas")
    response = _signup(client)
    assert response.url == f"/play?feature={feature.source.model.slug}/{feature.source.slug}/{feature.index}"


def test_the_puzzle_page_after_signup_reports_the_queued_explanation_once(client):
    feature = make_feature()
    _keep(client, feature, "bananas")
    _signup(client)
    first = client.get("/play").context["config"]["pendingResult"]
    assert first["status"] == "queued" and first["text"] == "bananas" and first["left"] >= 0
    assert client.get("/play").context["config"]["pendingResult"] is None


def test_logging_in_submits_the_explanation_typed_before(client):
    user = make_user(username="grace", email="grace@example.com", password=PASSWORD)
    feature = make_feature()
    _keep(client, feature, "bananas")
    response = client.post(reverse("account_login"), {"login": "grace@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert Explanation.objects.get(feature=feature).author == user
    assert PENDING_KEY not in client.session


def test_a_duplicate_typed_before_login_comes_back_as_a_409_with_the_existing_id(client):
    feature = make_feature()
    existing = make_explanation(feature=feature, text="bananas")
    _keep(client, feature, "bananas")
    _signup(client)
    result = client.session[PENDING_RESULT_KEY]
    assert result["status"] == 409
    assert result["existing_id"] == existing.pk
    assert result["text"] == "bananas"
    assert Explanation.objects.filter(feature=feature).count() == 1


def test_the_signup_page_shows_the_kept_text_escaped(client):
    feature = make_feature()
    _keep(client, feature, "<b>bananas</b>")
    response = client.get(reverse("account_signup"))
    assert b"&lt;b&gt;bananas&lt;/b&gt;" in response.content
    assert b"<b>bananas</b>" not in response.content

