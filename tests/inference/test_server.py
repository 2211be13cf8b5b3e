"""The standalone inference server over real HTTP on 127.0.0.1."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from inference_client.engine import InferenceEngine
from tests.inference.http_helpers import call
from tests.inference.model_pack import MODEL_SLUG

TEXT = "the dog ran to the park"


def test_health_names_the_model_device_and_sources(server_url: str) -> None:
    status, body = call(server_url + "/health")
    assert status == 200
    assert (body["model"], body["device"]) == (MODEL_SLUG, "cpu")
    assert [s["slug"] for s in body["sources"]] == ["0-mlp", "0-res-topk", "0-res-std"]


def test_activation_answers_what_the_engine_computes(server_url: str, engine: InferenceEngine) -> None:
    status, body = call(server_url + "/activation", {"model": MODEL_SLUG, "source": "0-mlp", "index": 5, "text": TEXT})
    assert status == 200
    assert body == engine.feature_activation(TEXT, "0-mlp", 5)


def test_search_answers_what_the_engine_computes(server_url: str, engine: InferenceEngine) -> None:
    request = {"model": MODEL_SLUG, "text": TEXT, "sources": ["0-res-topk"], "sort_by_token_indexes": [2],
               "num_results": 7}
    status, body = call(server_url + "/search", request)
    assert status == 200
    assert body == engine.search_all(TEXT, ["0-res-topk"], [2], 7)


def test_parallel_requests_all_get_their_own_answer(server_url: str, engine: InferenceEngine) -> None:
    texts = [f"the cat {w} on the mat" for w in ("sat", "ran", "sang", "slept", "hid", "ate")]

    def one(text: str):
        return call(server_url + "/activation", {"model": MODEL_SLUG, "source": "0-res-std", "index": 1, "text": text})

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(one, texts * 2))
    assert [a[1] for a in answers] == [engine.feature_activation(t, "0-res-std", 1) for t in texts * 2]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"model": MODEL_SLUG, "source": "0-mlp", "index": 0, "text": ""}, 400, "text"),
        ({"model": MODEL_SLUG, "source": "0-mlp", "index": "x", "text": "hi"}, 400, "index"),
        ({"model": MODEL_SLUG, "source": "0-mlp", "index": 99, "text": "hi"}, 404, "index"),
        ({"model": MODEL_SLUG, "source": "nope", "index": 0, "text": "hi"}, 404, "source"),
        ({"model": "other-model", "source": "0-mlp", "index": 0, "text": "hi"}, 404, "model"),
        ({"model": MODEL_SLUG, "source": "0-mlp", "index": 0, "text": "the cat " * 40}, 400, "text"),
        ([1, 2], 400, None),
    ],
)
def test_bad_activation_requests_get_a_json_error(server_url: str, body, status: int, field: str | None) -> None:
    got, answer = call(server_url + "/activation", body)
    assert got == status
    assert answer["error"] and answer.get("field") == field


def test_malformed_json_is_a_400(server_url: str) -> None:
    status, body = call(server_url + "/search", raw=b"{not json")
    assert status == 400 and "not valid JSON" in body["error"]


def test_an_empty_body_is_a_400(server_url: str) -> None:
    status, body = call(server_url + "/search", raw=b"")
    assert status == 400 and body["error"]


def test_an_unknown_route_is_a_json_404(server_url: str) -> None:
    assert call(server_url + "/nothing")[0] == 404
    assert call(server_url + "/nothing", {"text": "x"})[0] == 404


def test_an_engine_failure_is_a_json_500(server_url: str, engine: InferenceEngine, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("CUDA out of memory")

    monkeypatch.setattr(engine, "search_all", broken)
    status, body = call(server_url + "/search", {"model": MODEL_SLUG, "text": TEXT})
    assert status == 500 and "CUDA" not in body["error"]
