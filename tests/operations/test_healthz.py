from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_for_every_check() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "channel_layer": "ok"}}


def test_healthz_is_never_cached_and_sets_no_cookie() -> None:
    response = Client().get("/healthz")
    assert "no-store" in response["Cache-Control"]
    assert not response.cookies


def test_healthz_needs_no_login_and_no_csrf_token_for_head() -> None:
    assert Client(enforce_csrf_checks=True).head("/healthz").status_code == 200


def test_healthz_answers_503_naming_the_failing_cache() -> None:
    broken = mock.Mock()
    broken.set.side_effect = ConnectionError("Error 111 connecting to redis:6379. Connection refused.")
    with mock.patch("operations.health.cache", broken):
        response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok" and body["checks"]["channel_layer"] == "ok"
    assert body["checks"]["cache"] == "error: ConnectionError (details in the server log)"
    assert "redis:6379" not in response.content.decode()  # internal addresses stay private


def test_healthz_answers_503_when_the_cache_loses_what_it_stored() -> None:
    forgetful = mock.Mock()
    forgetful.get.return_value = None
    with mock.patch("operations.health.cache", forgetful):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert "did not return the value" in response.json()["checks"]["cache"]


def test_healthz_answers_503_when_the_channel_layer_times_out(monkeypatch) -> None:
    from operations import health

    async def hang() -> None:
        import asyncio

        await asyncio.sleep(10)

    monkeypatch.setattr(health, "CHANNEL_TIMEOUT_S", 0.05)
    monkeypatch.setattr(health, "_channel_round_trip", hang)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == "error: CheckFailed: no answer from the channel layer within 0.05 s"


def test_healthz_refuses_writes() -> None:
    assert Client().post("/healthz").status_code == 405
