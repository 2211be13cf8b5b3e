from __future__ import annotations

import pytest
from django.test import Client

from accounts.tokens import api_token_create, api_token_revoke
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import post_json, submit

pytestmark = pytest.mark.django_db


def test_a_session_post_without_a_csrf_token_is_refused_with_json() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    response = submit(client, make_feature(), "banana")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]


def test_a_session_post_with_the_csrf_token_is_accepted() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    make_feature()
    client.get("/api/puzzle/next")  # any GET sets no cookie by itself; ask Django for one:
    from django.middleware.csrf import _get_new_csrf_string

    token = _get_new_csrf_string()
    client.cookies["csrftoken"] = token
    response = submit(client, make_feature(), "banana", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201


def test_a_bearer_token_authenticates_without_csrf() -> None:
    user = make_user()
    _, raw = api_token_create(user=user, name="script")
    client = Client(enforce_csrf_checks=True)
    response = submit(client, make_feature(), "banana", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["username"] == user.username


def test_bearer_reads_within_a_minute_write_last_used_once() -> None:
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import ApiToken

    token, raw = api_token_create(user=make_user(), name="script")
    client = Client()

    def token_writes() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
        return sum(1 for q in ctx.captured_queries
                   if q["sql"].startswith("UPDATE") and ApiToken._meta.db_table in q["sql"])

    assert token_writes() == 1
    first = ApiToken.objects.get(pk=token.pk).last_used
    assert token_writes() == 0
    assert ApiToken.objects.get(pk=token.pk).last_used == first
    ApiToken.objects.filter(pk=token.pk).update(last_used=first - dt.timedelta(minutes=2))
    assert token_writes() == 1


def test_a_revoked_token_answers_401() -> None:
    user = make_user()
    token, raw = api_token_create(user=user, name="script")
    api_token_revoke(user=user, token_id=token.pk)
    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 401


def test_an_unknown_token_answers_401() -> None:
    assert Client().get("/api/me", HTTP_AUTHORIZATION="Bearer lp_nope").status_code == 401


def test_me_needs_a_login() -> None:
    response = Client().get("/api/me")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


def test_an_unknown_api_path_answers_json_404() -> None:
    response = Client().get("/api/no/such/thing")
    assert response.status_code == 404
    assert "error" in response.json()


def test_a_wrong_method_answers_json_405() -> None:
    response = Client().delete("/api/leaderboard")
    assert response.status_code == 405
    assert "error" in response.json()


def test_votes_over_the_rate_limit_answer_429_with_retry_after(settings) -> None:
    settings.RATE_LIMITS = {"vote:user": (2, 60)}
    client = Client()
    client.force_login(make_user())
    codes = [post_json(client, f"/api/explanations/{make_explanation().pk}/vote").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = post_json(client, f"/api/explanations/{make_explanation().pk}/vote")
    assert int(response["Retry-After"]) >= 1


def test_submissions_are_rate_limited_per_ip(settings) -> None:
    settings.RATE_LIMITS = {"submit:ip": (1, 60)}
    feature = make_feature()
    first, second = Client(), Client()
    first.force_login(make_user())
    second.force_login(make_user())
    assert submit(first, feature, "one idea").status_code == 201
    assert submit(second, feature, "another idea").status_code == 429


def test_a_server_error_answers_json_500(monkeypatch) -> None:
    from game.services import points

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(points, "leaderboard", broken)
    response = Client().get("/api/leaderboard?period=all")
    assert response.status_code == 500
    assert "error" in response.json()


def test_a_nul_character_in_a_query_or_body_is_a_clear_400(client) -> None:
    response = client.get("/api/search/explanations", {"q": "cat\x00dog"})
    assert response.status_code == 400 and response.json()["field"] == "q"
    assert "NUL" in response.json()["error"]


def test_a_nul_character_in_an_explanation_is_refused_and_nothing_is_saved() -> None:
    from game.models import Explanation
    from tests.game.api_helpers import logged_in

    feature = make_feature()
    response = post_json(logged_in(make_user()), "/api/explanations", {
        "model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index, "text": "cat\x00dog"})
    assert response.status_code == 400 and response.json()["field"] == "text"
    assert not Explanation.objects.filter(feature=feature).exists()
