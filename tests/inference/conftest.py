"""Fixtures for the inference tests: a tiny pack with real (random) weights, its engine, the
HTTP server on a free port of 127.0.0.1, and catalogue rows pointing at the pack."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from inference_client import backends
from inference_client.engine import InferenceEngine
from inference_client.server import InferenceServer
from tests.inference.model_pack import MODEL_SLUG, write_model_pack


@pytest.fixture(scope="session")
def model_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_model_pack(tmp_path_factory.mktemp("inference") / "pack")


@pytest.fixture(scope="session")
def engine(model_pack: Path) -> InferenceEngine:
    return InferenceEngine.from_pack(model_pack, device="cpu", max_tokens=1024)


@pytest.fixture(scope="session")
def server_url(engine: InferenceEngine) -> Iterator[str]:
    server = InferenceServer(("127.0.0.1", 0), engine)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def local_engine(model_pack: Path, engine: InferenceEngine, monkeypatch: pytest.MonkeyPatch) -> InferenceEngine:
    """The in-process client finds the session's engine in its cache instead of loading again."""
    monkeypatch.setitem(backends._engines, str(model_pack.resolve()), engine)
    return engine


@pytest.fixture
def catalogue(db, model_pack: Path, engine: InferenceEngine):
    """LanguageModel and Source rows for the tiny pack, as an import would make them."""
    from game.models import LanguageModel, Source

    model = LanguageModel.objects.create(
        slug=MODEL_SLUG, name="Tiny inference model", n_layers=1, d_model=16, d_vocab=len(engine.vocab),
        n_ctx=32, pack_path=str(model_pack),
    )  # no vocab: these routes read tokens from the pack, and its "\x00" token cannot go into PostgreSQL JSON
    for s in engine.sources.values():
        Source.objects.create(model=model, slug=s.slug, kind=s.kind, layer=0, hook_point=s.hook_point, width=s.width)
    return model
