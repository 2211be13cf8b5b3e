"""`POST /api/steer` through the Django test client (the tiny pack in process, or its inference
server over HTTP), and the inference server's own `/steer` route."""

from __future__ import annotations

import time
import uuid

import pytest
from django.test import Client, override_settings

from game.models import Explanation, Feature, PlantedFeature, Source
from inference_client.engine import InferenceEngine
from tests.factories import make_campaign, make_user
from tests.game.api_helpers import post_json
from tests.inference.http_helpers import call
from tests.inference.model_pack import MODEL_SLUG

STEER = "/api/steer"
GOOD = {"model": MODEL_SLUG, "source": "0-res-std", "index": 2, "prompt": "the cat sat on", "strength": 50.0,
        "seed": 4, "max_new_tokens": 10}

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def in_process(local_engine: InferenceEngine, catalogue):
    # A fresh rate-limit namespace: user ids come round again from test to test.
    with override_settings(INFERENCE_URL="", RATE_LIMITS={"steer:user": (10_000, 60), "steer:ip": (10_000, 60)},
                           RATE_LIMIT_NAMESPACE=uuid.uuid4().hex):
        yield


@pytest.fixture
def player() -> Client:
    client = Client(enforce_csrf_checks=False)
    client.force_login(make_user())
    return client


def test_steering_answers_both_texts_from_one_seed(player: Client, engine: InferenceEngine) -> None:
    response = post_json(player, STEER, GOOD)
    assert response.status_code == 200
    body = response.json()
    expected = engine.steer(GOOD["prompt"], "0-res-std", 2, 50.0, seed=4, max_new_tokens=10)
    assert {k: body[k] for k in expected} == expected
    assert (body["strength"], body["seed"]) == (50.0, 4)
    assert body["default"] != body["steered"]


def test_the_seed_defaults_to_zero(player: Client) -> None:
    unseeded = post_json(player, STEER, {k: v for k, v in GOOD.items() if k != "seed"}).json()
    assert unseeded == post_json(player, STEER, {**GOOD, "seed": 0}).json()


def test_more_new_tokens_than_the_model_reads_is_refused_by_the_engine(player: Client, engine: InferenceEngine) -> None:
    response = post_json(player, STEER, {**GOOD, "max_new_tokens": engine.max_tokens})
    assert response.status_code == 400 and response.json()["field"] == "max_new_tokens"
    assert f"from 1 to {engine.max_tokens - 1} for this model" in response.json()["error"]


def test_the_api_calls_the_inference_server_when_one_is_set(player: Client, server_url: str,
                                                           engine: InferenceEngine) -> None:
    with override_settings(INFERENCE_URL=server_url):
        body = post_json(player, STEER, GOOD).json()
    assert body["steered"] == engine.steer(GOOD["prompt"], "0-res-std", 2, 50.0, seed=4, max_new_tokens=10)["steered"]


def test_the_server_route_answers_what_the_engine_computes_and_names_bad_fields(server_url: str,
                                                                               engine: InferenceEngine) -> None:
    status, body = call(server_url + "/steer", GOOD)
    assert status == 200
    assert body == engine.steer(GOOD["prompt"], "0-res-std", 2, 50.0, seed=4, max_new_tokens=10)
    status, body = call(server_url + "/steer", {**GOOD, "strength": "lots"})
    assert (status, body["field"]) == (400, "strength")
    status, body = call(server_url + "/steer", {**GOOD, "index": 10_000})
    assert (status, body["field"]) == (404, "index")


def test_steering_needs_a_login() -> None:
    response = post_json(Client(), STEER, GOOD)
    assert response.status_code == 401
    assert "error" in response.json()


def test_a_session_without_its_csrf_token_is_refused(engine: InferenceEngine) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user())
    response = post_json(client, STEER, GOOD)
    assert response.status_code == 403


def test_a_check_feature_in_play_cannot_be_steered(player: Client) -> None:
    source = Source.objects.get(model__slug=MODEL_SLUG, slug="0-res-std")
    feature = Feature.objects.create(source=source, index=2)
    true = Explanation.objects.create(feature=feature, text="the word cat", author_model="planted")
    PlantedFeature.objects.create(feature=feature, key="token/cat", kind="token", true_explanation=true)
    make_campaign(features=[feature])
    response = post_json(player, STEER, GOOD)
    assert response.status_code == 404 and response.json()["field"] == "index"
    assert "cannot be steered while it is in play" in response.json()["error"]


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"strength": "strong"}, 400, "strength"),
    ({"strength": None}, 400, "strength"),
    ({"strength": True}, 400, "strength"),
    ({"strength": 501}, 400, "strength"),
    ({"strength": -1e9}, 400, "strength"),
    ({"prompt": ""}, 400, "prompt"),
    ({"prompt": "  "}, 400, "prompt"),
    ({"prompt": 7}, 400, "prompt"),
    ({"prompt": "x" * 2_001}, 400, "prompt"),
    ({"prompt": "the cat " * 40}, 400, "prompt"),
    ({"seed": -1}, 400, "seed"),
    ({"seed": 1.5}, 400, "seed"),
    ({"max_new_tokens": 0}, 400, "max_new_tokens"),
    ({"max_new_tokens": 65}, 400, "max_new_tokens"),
    ({"index": 10_000}, 404, "index"),
    ({"index": -3}, 400, "index"),
    ({"source": "9-nope"}, 404, "source"),
    ({"model": "no-such-model"}, 404, "model"),
])
def test_bad_steering_requests_get_a_clear_error(player: Client, change: dict, status: int, field: str) -> None:
    response = post_json(player, STEER, {**GOOD, **change})
    assert response.status_code == status, response.content
    body = response.json()
    assert body["field"] == field and body["error"]


def test_steering_has_a_budget_of_its_own(player: Client) -> None:
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    ip = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.9"
    with override_settings(RATE_LIMITS={"steer:user": (2, 60), "steer:ip": (100, 60)}):
        codes = [post_json(player, STEER, {**GOOD, "max_new_tokens": 2}, REMOTE_ADDR=ip).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
