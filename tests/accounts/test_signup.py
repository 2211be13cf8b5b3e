"""The sign-in pages show OAuth buttons only for configured providers."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_login_page_shows_no_oauth_buttons_when_none_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b"data-provider" not in response.content


def test_the_login_page_shows_a_github_button_when_github_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {"github": {"APPS": [{"client_id": "id", "secret": "s", "key": ""}]}}
    response = client.get(reverse("account_login"))
    assert b'data-provider="github"' in response.content
    assert b'data-provider="google"' not in response.content
