"""The profile page: my explanations with status, my votes, preferences and API tokens."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import ApiToken, Profile
from game.models import Explanation, Score, Vote
from tests.factories import make_explanation, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def player(client):
    user = make_user(username="ada")
    client.force_login(user)
    return user


def test_the_profile_needs_a_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_profile_lists_my_explanations_with_status_and_escaped_text(client, player):
    make_explanation(author=player, text="<i>bananas</i>", status=Explanation.Status.DRAFT)
    response = client.get(reverse("profile"))
    assert b"&lt;i&gt;bananas&lt;/i&gt;" in response.content
    assert b"status-draft" in response.content


def test_the_profile_shows_why_scoring_failed(client, player):
    explanation = make_explanation(author=player, text="bananas", status=Explanation.Status.FAILED)
    Score.objects.create(explanation=explanation, method="offline-simulation", status=Score.Status.FAILED,
                         error="The scorer timed out\nTraceback ...")
    response = client.get(reverse("profile"))
    assert b"The scorer timed out" in response.content
    assert b"Traceback" not in response.content


def test_the_profile_lists_my_votes_with_an_unvote_button(client, player):
    explanation = make_explanation(text="apples")
    Vote.objects.create(user=player, explanation=explanation)
    response = client.get(reverse("profile"))
    assert f'data-explanation="{explanation.pk}"'.encode() in response.content
    assert b"Unvote" in response.content


def test_saving_preferences_sets_both_checkboxes(client, player):
    client.post(reverse("profile-preferences"), {"hide_explicit": "on"})
    profile = Profile.objects.get(user=player)
    assert profile.hide_explicit is True
    assert profile.advanced_mode is False


def test_a_new_api_token_is_shown_once(client, player):
    # In the answer to the form itself: the raw token is kept nowhere to be shown again.
    created = client.post(reverse("profile-token-create"), {"name": "notebook"}).content.decode()
    token = ApiToken.objects.get(user=player)
    assert "notebook" in created and token.hint in created and 'id="new-token"' in created
    profile = client.get(reverse("profile")).content.decode()
    assert token.hint in profile and 'id="new-token"' not in profile


def test_revoking_a_token_marks_it_revoked(client, player):
    client.post(reverse("profile-token-create"), {"name": "notebook"})
    token = ApiToken.objects.get(user=player)
    client.post(reverse("profile-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked is not None


def test_a_player_cannot_revoke_someone_elses_token(client, player):
    other = make_user()
    token = ApiToken.objects.create(user=other, name="theirs", key_hash="x" * 64, hint="lp_x")
    client.post(reverse("profile-token-revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked is None


def test_the_profile_links_each_explanation_and_vote_to_its_feature_page(client, player):
    mine = make_explanation(author=player, text="bananas")
    voted = make_explanation(text="apples")
    Vote.objects.create(user=player, explanation=voted)
    content = client.get(reverse("profile")).content.decode()
    for feature in (mine.feature, voted.feature):
        assert f'href="{feature.get_absolute_url()}">{feature.ref}</a>' in content
