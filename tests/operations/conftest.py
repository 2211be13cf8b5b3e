from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.test import Client

from game import site_settings
from tests.factories import make_user


@pytest.fixture(autouse=True)
def _fresh_site_settings(settings):
    # The overrides are cached across requests (and processes, with Redis): start and end
    # each test without a copy left from another test's rolled-back rows.
    settings.RATE_LIMIT_NAMESPACE = uuid.uuid4().hex
    cache.delete(site_settings.CACHE_KEY)
    yield
    cache.delete(site_settings.CACHE_KEY)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client() -> Client:
    return client_for(make_user(is_staff=True))


@pytest.fixture
def player_client() -> Client:
    return client_for(make_user())
