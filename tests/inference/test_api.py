"""`POST /api/activation/test` and `POST /api/search/all` through the Django test client."""

from __future__ import annotations

import time
import uuid

import pytest
from django.test import Client, override_settings

from game.models import Explanation, Feature, Source
from inference_client.engine import InferenceEngine
from tests.factories import make_user
from tests.game.api_helpers import post_json
from tests.inference.model_pack import MODEL_SLUG

TEXT = "the cat sat on the mat"
ACTIVATION, SEARCH = "/api/activation/test", "/api/search/all"

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def in_process(local_engine: InferenceEngine, catalogue):
    # A generous limit, so only the rate-limit test meets it; no server: the pack runs here.
    with override_settings(INFERENCE_URL="", INFERENCE_RATE_LIMIT=(10_000, 60)):
        yield


def explain(source: str, index: int, text: str, **extra) -> Explanation:
    feature, _ = Feature.objects.get_or_create(source=Source.objects.get(model__slug=MODEL_SLUG, slug=source),
                                               index=index)
    return Explanation.objects.create(feature=feature, text=text, author_model="baseline", **extra)


def test_activation_test_returns_the_features_values_on_the_text(client: Client, engine: InferenceEngine) -> None:
    response = post_json(client, ACTIVATION, {"model": MODEL_SLUG, "source": "0-res-std", "index": 2, "text": TEXT})
    assert response.status_code == 200
    assert response.json() == engine.feature_activation(TEXT, "0-res-std", 2)


def test_activation_test_needs_no_login_and_no_csrf_token(engine: InferenceEngine) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = post_json(strict, ACTIVATION, {"model": MODEL_SLUG, "source": "0-mlp", "index": 0, "text": TEXT})
    assert response.status_code == 200


def test_search_all_ranks_features_and_attaches_explanations(client: Client, engine: InferenceEngine) -> None:
    expected = engine.search_all(TEXT, num_results=5)
    first = expected["results"][0]
    explain(first["source"], first["index"], "cats and mats")
    response = post_json(client, SEARCH, {"model": MODEL_SLUG, "text": TEXT, "num_results": 5})
    assert response.status_code == 200
    body = response.json()
    assert body["tokens"] == expected["tokens"]
    assert [(r["source"], r["index"]) for r in body["results"]] == [(r["source"], r["index"]) for r in expected["results"]]
    assert body["results"][0]["explanation"] == "cats and mats"
    assert body["results"][1]["explanation"] is None


def test_search_all_shows_the_best_visible_explanation(client: Client, engine: InferenceEngine) -> None:
    top = engine.search_all(TEXT, num_results=1)["results"][0]
    explain(top["source"], top["index"], "a weak guess", score_value=0.1)
    explain(top["source"], top["index"], "the best guess", score_value=0.8)
    explain(top["source"], top["index"], "hidden spam", score_value=0.99, hidden=True)
    response = post_json(client, SEARCH, {"model": MODEL_SLUG, "text": TEXT, "num_results": 1})
    assert response.json()["results"][0]["explanation"] == "the best guess"


def test_search_all_prefers_the_settled_explanation(client: Client, engine: InferenceEngine) -> None:
    top = engine.search_all(TEXT, num_results=1)["results"][0]
    explain(top["source"], top["index"], "high score", score_value=0.9)
    settled = explain(top["source"], top["index"], "settled by votes", score_value=0.5)
    Feature.objects.filter(pk=settled.feature_id).update(settled_explanation=settled)
    response = post_json(client, SEARCH, {"model": MODEL_SLUG, "text": TEXT, "num_results": 1})
    assert response.json()["results"][0]["explanation"] == "settled by votes"


def test_search_all_sorts_by_chosen_tokens_within_chosen_sources(client: Client, engine: InferenceEngine) -> None:
    body = {"model": MODEL_SLUG, "text": TEXT, "sources": ["0-mlp"], "sort_by_token_indexes": [0, 2], "num_results": 3}
    response = post_json(client, SEARCH, body)
    expected = engine.search_all(TEXT, ["0-mlp"], [0, 2], 3)
    assert [(r["source"], r["index"]) for r in response.json()["results"]] == [
        (r["source"], r["index"]) for r in expected["results"]]


def test_the_api_calls_the_inference_server_when_one_is_set(client: Client, server_url: str,
                                                           engine: InferenceEngine) -> None:
    with override_settings(INFERENCE_URL=server_url):
        response = post_json(client, ACTIVATION, {"model": MODEL_SLUG, "source": "0-mlp", "index": 4, "text": TEXT})
    assert response.status_code == 200
    assert response.json() == engine.feature_activation(TEXT, "0-mlp", 4)


def test_too_many_requests_from_one_ip_get_a_429_with_retry_after(client: Client) -> None:
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    body = {"model": MODEL_SLUG, "text": TEXT, "num_results": 1}
    # Windows are fixed minutes: start well inside one, so all five requests share it.
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    with override_settings(INFERENCE_RATE_LIMIT=(2, 60)):
        codes = [post_json(client, SEARCH, body, REMOTE_ADDR=ip).status_code for _ in range(3)]
        other_ip = post_json(client, SEARCH, body, REMOTE_ADDR=ip + "1").status_code
        limited = post_json(client, SEARCH, body, REMOTE_ADDR=ip)
    assert codes == [200, 200, 429]
    assert other_ip == 200
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many requests" in limited.json()["error"]


GOOD_ACTIVATION = {"model": MODEL_SLUG, "source": "0-mlp", "index": 0, "text": TEXT}


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"text": ""}, 400, "text"),
        ({"text": "   "}, 400, "text"),
        ({"text": None}, 400, "text"),
        ({"text": "the cat " * 40}, 400, "text"),
        ({"text": "x" * 20_001}, 400, "text"),
        ({"index": -1}, 400, "index"),
        ({"index": "7"}, 400, "index"),
        ({"index": True}, 400, "index"),
        ({"index": 32}, 404, "index"),
        ({"source": "5-mlp"}, 404, "source"),
        ({"source": 3}, 400, "source"),
        ({"model": "no-such-model"}, 404, "model"),
        ({"model": None}, 400, "model"),
    ],
)
def test_bad_activation_requests_get_a_clear_error(client: Client, change: dict, status: int, field: str) -> None:
    response = post_json(client, ACTIVATION, {**GOOD_ACTIVATION, **change})
    assert response.status_code == status
    assert response.json()["field"] == field and response.json()["error"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"sources": ["0-mlp", "7-res-sae"]}, 404, "sources"),
        ({"sources": []}, 400, "sources"),
        ({"sources": "0-mlp"}, 400, "sources"),
        ({"sort_by_token_indexes": [0, 99]}, 400, "sort_by_token_indexes"),
        ({"sort_by_token_indexes": [-1]}, 400, "sort_by_token_indexes"),
        ({"sort_by_token_indexes": "0"}, 400, "sort_by_token_indexes"),
        ({"num_results": 0}, 400, "num_results"),
        ({"num_results": 101}, 400, "num_results"),
        ({"num_results": 2.5}, 400, "num_results"),
        ({"text": ""}, 400, "text"),
        ({"model": "no-such-model"}, 404, "model"),
    ],
)
def test_bad_search_requests_get_a_clear_error(client: Client, change: dict, status: int, field: str) -> None:
    response = post_json(client, SEARCH, {"model": MODEL_SLUG, "text": TEXT, **change})
    assert response.status_code == status
    assert response.json()["field"] == field and response.json()["error"]


@pytest.mark.parametrize("path", [ACTIVATION, SEARCH])
def test_malformed_json_is_a_400(client: Client, path: str) -> None:
    response = client.post(path, data="{oops", content_type="application/json")
    assert response.status_code == 400 and "not valid JSON" in response.json()["error"]


@pytest.mark.parametrize("path", [ACTIVATION, SEARCH])
def test_a_body_that_is_not_an_object_is_a_400(client: Client, path: str) -> None:
    assert post_json(client, path, [1, 2, 3]).status_code == 400
    assert client.post(path).status_code == 400  # no body at all


@pytest.mark.parametrize("path", [ACTIVATION, SEARCH])
def test_get_is_not_allowed(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_a_model_whose_pack_is_gone_is_a_503(client: Client, catalogue) -> None:
    catalogue.pack_path = "/nonexistent/pack"
    catalogue.save()
    response = post_json(client, ACTIVATION, GOOD_ACTIVATION)
    assert response.status_code == 503 and response.json()["error"]


def test_logged_in_players_need_no_csrf_token_either(engine: InferenceEngine) -> None:
    player = Client(enforce_csrf_checks=True)
    player.force_login(make_user())
    assert post_json(player, SEARCH, {"model": MODEL_SLUG, "text": TEXT}).status_code == 200
