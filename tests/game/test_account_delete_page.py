"""Deleting one's own account through the page at /account/delete."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from game.models import DELETED_PLAYER, Explanation, Feature, Vote
from game.services.votes import vote_cast
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in

pytestmark = pytest.mark.django_db

URL = "/account/delete"


def test_the_page_explains_what_happens_and_needs_a_login() -> None:
    assert Client().get(URL).status_code == 302
    page = logged_in(make_user()).get(URL).content.decode()
    assert "cannot be undone" in page and DELETED_PLAYER in page
    assert 'name="confirm"' in page


def test_the_profile_links_to_the_page_and_to_the_data_download() -> None:
    page = logged_in(make_user()).get("/profile").content.decode()
    assert 'href="/account/delete"' in page and 'href="/api/me/data"' in page


def test_a_wrong_confirmation_is_refused_and_nothing_is_deleted() -> None:
    user = make_user(username="fruitfan")
    response = logged_in(user).post(URL, {"confirm": "FruitFan"})
    assert response.status_code == 400
    assert "not your username" in response.content.decode()
    assert get_user_model().objects.filter(pk=user.pk).exists()


def test_deleting_keeps_explanations_anonymous_and_votes_counted_then_logs_out() -> None:
    feature = make_feature()
    player, voter = make_user(username="fruitfan"), make_user()
    written = make_explanation(feature=feature, author=player, text="fires on fruit names")
    other = make_explanation(feature=feature, author=voter, text="fires on food")
    vote_cast(user=voter, explanation=written)
    vote_cast(user=player, explanation=other)
    counts = {e.pk: Explanation.objects.get(pk=e.pk).vote_count for e in (written, other)}
    feature_votes = Feature.objects.get(pk=feature.pk).vote_count
    client = logged_in(player)

    response = client.post(URL, {"confirm": "fruitfan"}, follow=True)

    assert response.redirect_chain[-1] == ("/", 302)
    assert "is deleted" in response.content.decode()
    assert not get_user_model().objects.filter(pk=player.pk).exists()
    written.refresh_from_db()
    assert written.author_id is None and written.author_name == DELETED_PLAYER
    assert {e.pk: Explanation.objects.get(pk=e.pk).vote_count for e in (written, other)} == counts
    assert Feature.objects.get(pk=feature.pk).vote_count == feature_votes
    assert Vote.objects.filter(explanation=other, user__isnull=True).count() == 1
    # Logged out: the profile now asks for a login.
    assert client.get("/profile").status_code == 302
