from __future__ import annotations

import uuid

import pytest


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # Rate-limit windows live in the (possibly shared Redis) cache: a fresh namespace per
    # test starts with none used, without flushing anyone else's keys.
    settings.RATE_LIMIT_NAMESPACE = uuid.uuid4().hex


@pytest.fixture
def moderator():
    from tests.moderation.helpers import make_moderator

    return make_moderator()
