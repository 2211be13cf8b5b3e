"""`get_inference`: HTTP mode against the live server, in-process mode from the model's pack."""

from __future__ import annotations

import socket
from types import SimpleNamespace

import pytest
from django.test import override_settings

from inference_client import backends
from inference_client.backends import HttpInference, LocalInference
from inference_client.client import get_inference
from inference_client.engine import InferenceEngine
from inference_client.errors import InferenceError
from tests.inference.model_pack import MODEL_SLUG

TEXT = "a bird sang in the tree"


def fake_model(pack_path: str = "") -> SimpleNamespace:
    return SimpleNamespace(slug=MODEL_SLUG, pack_path=pack_path)


def test_with_an_inference_url_it_calls_the_server(server_url: str, engine: InferenceEngine) -> None:
    with override_settings(INFERENCE_URL=server_url):
        inference = get_inference(fake_model())
    assert isinstance(inference, HttpInference)
    assert inference.search_all(TEXT, num_results=4) == engine.search_all(TEXT, num_results=4)
    assert inference.feature_activation(TEXT, "0-res-topk", 3) == engine.feature_activation(TEXT, "0-res-topk", 3)


def test_the_servers_refusal_keeps_its_status_and_field(server_url: str) -> None:
    with pytest.raises(InferenceError) as err:
        HttpInference(server_url, MODEL_SLUG).feature_activation(TEXT, "0-mlp", 10_000)
    assert (err.value.status, err.value.field) == (404, "index")
    assert "no feature 10000" in err.value.message


def test_a_server_that_is_down_is_a_503() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(InferenceError) as err:
        HttpInference(f"http://127.0.0.1:{port}", MODEL_SLUG, timeout=2).search_all(TEXT)
    assert err.value.status == 503 and "unavailable" in err.value.message


def test_a_server_failure_is_a_502(server_url: str, engine: InferenceEngine, monkeypatch) -> None:
    monkeypatch.setattr(engine, "search_all", lambda *a, **k: 1 / 0)
    with pytest.raises(InferenceError) as err:
        HttpInference(server_url, MODEL_SLUG).search_all(TEXT)
    assert err.value.status == 502


@override_settings(INFERENCE_URL="")
def test_without_a_url_it_runs_the_models_pack_in_process(model_pack, monkeypatch) -> None:
    monkeypatch.setattr(backends, "_engines", {})
    first = get_inference(fake_model(str(model_pack)))
    second = get_inference(fake_model(str(model_pack)))
    assert isinstance(first, LocalInference)
    assert first.engine is second.engine  # loaded once per process
    assert first.feature_activation(TEXT, "0-mlp", 0)["tokens"]


@override_settings(INFERENCE_URL="")
def test_a_model_without_a_pack_is_unavailable() -> None:
    with pytest.raises(InferenceError) as err:
        get_inference(fake_model(""))
    assert err.value.status == 503


@override_settings(INFERENCE_URL="")
def test_a_pack_without_weights_is_unavailable(tmp_path) -> None:
    from tests.tiny_pack import write_tiny_pack

    pack = write_tiny_pack(tmp_path / "no-weights")
    with pytest.raises(InferenceError) as err:
        get_inference(fake_model(str(pack)))
    assert err.value.status == 503
