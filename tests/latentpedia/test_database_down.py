"""An unreachable database is a 503 that says when to come back, never a 500: JSON under /api/,
the site's own page elsewhere, and /healthz naming the database. The first database touch of
each request is made to fail as a stopped PostgreSQL makes it fail (OperationalError), or a
connection lost mid-way (InterfaceError)."""

from __future__ import annotations

import json
from importlib import import_module
from unittest import mock

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory

from game.services import puzzles
from latentpedia import errors
from operations import health

pytestmark = pytest.mark.django_db

REFUSED = OperationalError('connection failed: connection to server at "10.0.0.5", port 5432 failed: Connection refused')


def assert_retry_later(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"].isdigit() and 1 <= int(response["Retry-After"]) <= 60


@pytest.mark.parametrize("failure", [REFUSED, InterfaceError("connection already closed")])
def test_the_api_answers_503_json_when_the_database_is_down(failure) -> None:
    with mock.patch.object(puzzles, "puzzle_serve", side_effect=failure):
        response = Client().get("/api/puzzle/next")
    assert_retry_later(response)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert "try again" in body["error"]
    assert "10.0.0.5" not in response.content.decode()  # the database's address stays private


def test_a_page_answers_the_sites_503_page_when_the_session_cannot_be_read() -> None:
    client = Client()
    client.cookies["sessionid"] = "a" * 32  # reading the user means reading the session
    # The configured engine's store (cached_db embedded, db at scale) reads the database in `load`.
    store = import_module(settings.SESSION_ENGINE).SessionStore
    with mock.patch.object(store, "load", side_effect=REFUSED):
        response = client.get("/leaderboard")
    assert_retry_later(response)
    page = response.content.decode()
    assert "can&#x27;t reach our database" in page or "can't reach our database" in page
    assert "10.0.0.5" not in page
    assert "<h1>Something went wrong" not in page  # not the 500 page


def test_other_errors_are_still_500s() -> None:
    with mock.patch.object(puzzles, "puzzle_serve", side_effect=RuntimeError("boom")):
        response = Client().get("/api/puzzle/next")
    assert response.status_code == 500
    assert not response.has_header("Retry-After")


def test_healthz_answers_503_naming_the_database() -> None:
    with mock.patch.dict(health.CHECKS, {"database": mock.Mock(side_effect=REFUSED)}):
        response = Client().get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"].startswith("error: OperationalError")
    assert checks["cache"] == "ok"
    assert "10.0.0.5" not in response.content.decode()


@pytest.mark.parametrize("path", ["/play", "/api/leaderboard"])
def test_a_database_error_outside_any_view_is_a_503_too(path) -> None:
    """A middleware's own query (saving the session, say) fails past the views: Django's 500
    handler answers, and it too says 503."""
    request = RequestFactory().get(path)
    try:
        raise REFUSED
    except OperationalError:
        response = errors.server_error(request)
    assert_retry_later(response)
    if path.startswith("/api/"):
        assert "try again" in json.loads(response.content)["error"]
    else:
        assert "reach our database" in response.content.decode()
    outside = errors.server_error(RequestFactory().get(path))
    assert outside.status_code == 500


def test_the_site_answers_again_as_soon_as_the_database_does() -> None:
    client = Client()
    with mock.patch.object(puzzles, "puzzle_serve", side_effect=REFUSED):
        assert client.get("/api/puzzle/next").status_code == 503
    # No puzzles imported: the database answered, so the app's own 404 comes back.
    assert client.get("/api/puzzle/next").status_code == 404
