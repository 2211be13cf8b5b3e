"""The authentication backends read a logged-in request's user with written-out SQL: the same
user the ORM would load, refused when inactive, and sessions made under the old backend paths
kept logged in by the migration that renames them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache

from accounts.backends import AccountBackend, PasswordBackend, user_by_id
from tests.factories import concrete_fields, make_user

pytestmark = pytest.mark.django_db


def test_the_user_read_is_the_orms_user():
    user = make_user(first_name="Ada", is_staff=True)
    user.last_login = user.date_joined
    user.save()
    got = user_by_id(user.pk)
    assert concrete_fields(got) == concrete_fields(get_user_model().objects.get(pk=user.pk))
    assert not got._state.adding and got.check_password("pw-for-tests-123")
    assert user_by_id(user.pk + 1000) is None
    assert user_by_id("not a number") is None


@pytest.mark.parametrize("backend", [PasswordBackend(), AccountBackend()])
def test_an_inactive_user_is_not_logged_in(backend):
    user = make_user()
    assert backend.get_user(user.pk) == user
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None


def test_a_player_logged_in_with_the_password_stays_logged_in(client):
    user = make_user()
    assert client.login(username=user.username, password="pw-for-tests-123")
    assert client.session[BACKEND_SESSION_KEY] == "accounts.backends.PasswordBackend"
    assert client.get("/api/me").json()["username"] == user.username


def test_sessions_under_the_old_backend_paths_are_renamed_not_logged_out(client):
    migration = importlib.import_module("accounts.migrations.0003_sessions_name_new_backends")
    user, other = make_user(), make_user()
    keys = {}
    for who, path in ((user, "django.contrib.auth.backends.ModelBackend"),
                      (other, "allauth.account.auth_backends.AuthenticationBackend")):
        session = SessionStore()
        session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(who.pk), path
        session[HASH_SESSION_KEY] = who.get_session_auth_hash()
        session.create()
        keys[who.pk] = session.session_key

    client.cookies["sessionid"] = keys[user.pk]
    assert client.get("/api/me").status_code == 401  # the old path names no configured backend

    migration.rename(apps, None)
    # Migrations run before the server starts: no process holds a cached copy of a session then.
    cache.clear()

    assert SessionStore(keys[user.pk]).load()[BACKEND_SESSION_KEY] == "accounts.backends.PasswordBackend"
    assert SessionStore(keys[other.pk]).load()[BACKEND_SESSION_KEY] == "accounts.backends.AccountBackend"
    assert client.get("/api/me").json()["username"] == user.username
    migration.rename_back(apps, None)
    assert SessionStore(keys[user.pk]).load()[BACKEND_SESSION_KEY] == "django.contrib.auth.backends.ModelBackend"
