"""The generated OpenAPI document describes every route of `shared/API.md` with typed answers,
and the API's plumbing (ninja) keeps the contract's error shape."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from latentpedia.api import api
from tests.factories import make_user
from tests.game.api_helpers import logged_in, post_json

# The routes of shared/API.md that exist today, as (method, OpenAPI path).
CONTRACT = [
    ("get", "/api/feature/{model}/{source}/{index}"),
    ("get", "/api/puzzle/next"),
    ("post", "/api/explanations"),
    ("get", "/api/explanations/{explanation_id}"),
    ("post", "/api/explanations/{explanation_id}/vote"),
    ("delete", "/api/explanations/{explanation_id}/vote"),
    ("post", "/api/puzzle/{puzzle_id}/skip"),
    ("post", "/api/puzzle/{puzzle_id}/flag"),
    ("get", "/api/leaderboard"),
    ("get", "/api/me"),
    ("post", "/api/activation/test"),
    ("post", "/api/search/all"),
    ("get", "/api/search/explanations"),
    ("get", "/api/export/{model}/{source}.jsonl.gz"),
    ("get", "/api/openapi.json"),
]


@pytest.fixture(scope="module")
def doc() -> dict:
    return json.loads(json.dumps(api.get_openapi_schema()))  # as served: status codes as strings


@pytest.mark.parametrize(("method", "path"), CONTRACT)
def test_every_contract_route_is_in_the_document(doc, method: str, path: str) -> None:
    assert method in doc["paths"].get(path, {}), f"{method.upper()} {path}"


def test_every_operation_describes_its_answers_and_its_errors(doc) -> None:
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            responses = {int(code): answer for code, answer in operation["responses"].items()}
            ok = [answer for code, answer in responses.items() if code < 300]
            assert ok and all(answer.get("content") for answer in ok), f"{method} {path}: no typed answer"
            for code, answer in responses.items():
                if code >= 400:
                    schema = answer["content"]["application/json"]["schema"]
                    assert schema["$ref"].rsplit("/", 1)[-1] in {"Error", "Duplicate"}, (method, path, code)
            assert operation.get("security"), f"{method} {path}: says nothing of who may call it"


def test_the_409_duplicate_and_the_429_retry_after_are_described(doc) -> None:
    create = doc["paths"]["/api/explanations"]["post"]["responses"]
    duplicate = doc["components"]["schemas"]["Duplicate"]["properties"]
    assert create["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/Duplicate")
    assert {"error", "field", "existing_id", "near_duplicate"} <= set(duplicate)
    assert create["429"]["headers"]["Retry-After"]["required"] is True


def test_routes_open_to_anyone_say_so(doc) -> None:
    assert {} in doc["paths"]["/api/leaderboard"]["get"]["security"]
    assert {} not in doc["paths"]["/api/me"]["get"]["security"]
    assert "Anonymous" not in doc["components"]["securitySchemes"]


@pytest.mark.django_db
def test_a_validation_error_is_a_400_naming_the_field_not_a_422() -> None:
    response = Client().get("/api/leaderboard", {"period": "year"})
    assert response.status_code == 400
    assert response.json()["field"] == "period" and "detail" not in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("body", ["[1, 2]", "null", "3", '"text"'])
def test_a_body_that_is_not_an_object_is_a_400(body: str) -> None:
    response = logged_in(make_user()).post("/api/explanations", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"error": "The request body must be a JSON object."}


@pytest.mark.django_db
def test_a_bad_token_is_a_401_even_where_anonymous_callers_are_welcome() -> None:
    for header in ("Bearer lp_nope", "Basic abc"):
        response = Client().get("/api/leaderboard", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401 and response.json()["error"]


@pytest.mark.django_db
def test_an_anonymous_post_from_a_browser_needs_the_csrf_token() -> None:
    response = post_json(Client(enforce_csrf_checks=True), "/api/puzzle/1/skip")
    assert response.status_code == 403 and "CSRF" in response.json()["error"]


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_the_api_root_and_unknown_paths_are_json_404s(method: str) -> None:
    for path in ("/api/", "/api/nope", "/api/feature/a/b/c"):
        response = getattr(Client(enforce_csrf_checks=True), method)(path)
        assert response.status_code == 404 and response.json()["error"], (method, path)


@pytest.mark.django_db
def test_preferences_refuse_unknown_names_and_non_booleans_by_field() -> None:
    client = logged_in(make_user())
    assert post_json(client, "/api/me/preferences", {"dark": True}).json()["field"] == "dark"
    assert post_json(client, "/api/me/preferences", {"onboarded": "yes"}).json()["field"] == "onboarded"
    assert post_json(client, "/api/me/preferences", {"onboarded": True}).json()["preferences"]["onboarded"] is True
