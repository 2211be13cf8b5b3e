"""While the cache (Redis at scale) is unreachable, players keep playing: rate limits let
requests through (daily limits live in the database) and the rescoring notice is left out."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache

from game.services.ratelimit import rate_limit_hit
from game.services.rescoring import standing_notice
from tests.factories import make_campaign, make_feature, make_user
from tests.game.api_helpers import logged_in

pytestmark = pytest.mark.django_db


class Down(ConnectionError):
    pass


def _cache_down():
    return mock.patch.multiple(cache, add=mock.Mock(side_effect=Down("refused")),
                               incr=mock.Mock(side_effect=Down("refused")), get=mock.Mock(side_effect=Down("refused")),
                               set=mock.Mock(side_effect=Down("refused")))


def test_a_rate_limit_lets_requests_through_while_the_cache_is_down() -> None:
    with _cache_down():
        assert rate_limit_hit("puzzle:user", "1") == 0
        assert standing_notice() is None


def test_a_puzzle_is_served_while_the_cache_is_down(settings) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"  # as at scale, where the cache is Redis
    make_campaign(features=[make_feature(records=2)])
    player = logged_in(make_user())
    with _cache_down():
        response = player.get("/api/puzzle/next")
    assert response.status_code == 200 and response.json()["clues"]
