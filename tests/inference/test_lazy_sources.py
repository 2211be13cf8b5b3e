"""Sources published while the server runs: an overlay pack that appears under the sources
directory is served on its first request, once, without a restart; anything else stays a 404."""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch

from inference_client import backends
from inference_client.engine import InferenceEngine, directory_finder, load_sae
from inference_client.errors import InferenceError
from inference_client.server import InferenceServer
from pipeline.uploaded_source import build_uploaded_source
from tests.inference.http_helpers import call
from tests.inference.model_pack import (
    D_MODEL,
    MODEL_SLUG,
    write_model_pack,
    write_topk_sae,
)

HOOK = "blocks.0.hook_resid_post"
WIDTH, K = 12, 3  # under UMAP's 15 neighbours: no map to fit, a fast build
TEXT = "the bird sang in the park"


class SlowCountingFinder:
    """directory_finder, counted and slowed down, so that concurrent first requests overlap."""

    def __init__(self, root: Path) -> None:
        self.find, self.calls, self.lock = directory_finder(root, MODEL_SLUG), [], threading.Lock()

    def __call__(self, slug: str) -> Path | None:
        with self.lock:
            self.calls.append(slug)
        time.sleep(0.2)
        return self.find(slug)


@pytest.fixture(scope="module")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_model_pack(tmp_path_factory.mktemp("lazy") / "pack", with_corpus=True)


@pytest.fixture(scope="module")
def overlay(pack: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uploaded TopK SAE built into an overlay pack, not yet where the server looks."""
    staging = tmp_path_factory.mktemp("staging")
    write_topk_sae(staging / "upload", d_in=D_MODEL, d_sae=WIDTH, k=K, hook=HOOK, seed=3)
    build_uploaded_source(pack, staging / "upload", slug="late", out=staging / "late", max_tokens=1500)
    return staging / "late"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sources")


@pytest.fixture(scope="module")
def finder(root: Path) -> SlowCountingFinder:
    return SlowCountingFinder(root)


@pytest.fixture(scope="module")
def engine(pack: Path, finder: SlowCountingFinder) -> InferenceEngine:
    return InferenceEngine.from_pack(pack, device="cpu", max_tokens=1024, find_source=finder)


@pytest.fixture(scope="module")
def url(engine: InferenceEngine) -> Iterator[str]:
    server = InferenceServer(("127.0.0.1", 0), engine)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


def publish(overlay: Path, root: Path, slug: str, model_changes: dict | None = None) -> Path:
    """Copy the overlay in as source `slug` (pack.json renamed; its files keep their names)."""
    target = root / MODEL_SLUG / slug
    shutil.copytree(overlay, target)
    meta = json.loads((target / "pack.json").read_text())
    meta["sources"][0]["slug"] = slug
    meta["model"].update(model_changes or {})
    (target / "pack.json").write_text(json.dumps(meta))
    return target


def activation(url: str, source: str, index: int = 0) -> tuple[int, dict]:
    return call(url + "/activation", {"model": MODEL_SLUG, "source": source, "index": index, "text": TEXT})


def test_a_source_is_404_until_its_overlay_appears_then_served_as_its_sae_computes(
        url: str, engine: InferenceEngine, overlay: Path, root: Path) -> None:
    status, body = activation(url, "fresh")
    assert (status, body["field"]) == (404, "source")
    target = publish(overlay, root, "fresh")
    sae = load_sae(target / "saes" / "late", "cpu")
    ids = [engine.tokenizer.bos_id, *engine.tokenizer.encode(TEXT)]
    with torch.no_grad():
        _, cache = engine.model.run_with_cache(torch.tensor([ids]))
        expected = sae.encode(cache[HOOK][0, 1:]).numpy()
    index = int(expected.max(axis=0).argmax())
    status, body = activation(url, "fresh", index)
    assert status == 200
    np.testing.assert_allclose(body["values"], expected[:, index], atol=1e-4)
    assert body["max_value"] > 0
    status, health = call(url + "/health")
    assert {"slug": "fresh", "kind": "sae", "hook_point": HOOK, "width": WIDTH} in health["sources"]


def test_search_without_sources_covers_loaded_ones_and_naming_one_loads_it(
        url: str, engine: InferenceEngine, overlay: Path, root: Path) -> None:
    publish(overlay, root, "named")
    status, body = call(url + "/search", {"model": MODEL_SLUG, "text": TEXT, "num_results": 100})
    assert status == 200 and "named" not in {r["source"] for r in body["results"]}
    status, body = call(url + "/search", {"model": MODEL_SLUG, "text": TEXT, "sources": ["named"]})
    assert status == 200 and body["results"] and {r["source"] for r in body["results"]} == {"named"}
    assert "named" in engine.sources


def test_a_slug_that_is_not_plain_is_a_404_and_never_a_path(url: str, overlay: Path, root: Path) -> None:
    shutil.copytree(overlay, root / "x")  # what "../x" would reach from the model's folder
    find = directory_finder(root, MODEL_SLUG)
    for slug in ("../x", "..", "x/..", "Fresh", "", "a/b", "late\n", "/etc"):
        assert find(slug) is None
        status, body = activation(url, slug)
        assert (status, body["field"]) == (404, "source")


def test_forget_drops_an_uploaded_source_but_never_one_of_the_pack(
        url: str, engine: InferenceEngine, overlay: Path, root: Path) -> None:
    target = publish(overlay, root, "gone")
    assert activation(url, "gone")[0] == 200
    shutil.rmtree(target)  # unpublished: first the files, then the engine's copy
    assert engine.forget_source("gone") is True
    assert "gone" not in engine.sources and activation(url, "gone")[0] == 404
    assert engine.forget_source("gone") is False
    with pytest.raises(InferenceError) as refused:
        engine.forget_source("0-res-topk")
    assert refused.value.status == 409 and "0-res-topk" in engine.sources


def test_concurrent_first_requests_load_the_source_once(
        url: str, engine: InferenceEngine, finder: SlowCountingFinder, overlay: Path, root: Path) -> None:
    publish(overlay, root, "rush")
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda _: activation(url, "rush", 1), range(6)))
    assert all(status == 200 for status, _ in answers)
    assert len({json.dumps(body) for _, body in answers}) == 1
    assert finder.calls.count("rush") == 1


def test_an_overlay_that_cannot_serve_this_model_is_a_503_saying_why(
        url: str, overlay: Path, root: Path) -> None:
    publish(overlay, root, "elsewhere", {"slug": "another-model"})
    status, body = activation(url, "elsewhere")
    assert status == 503 and "another-model" in body["error"]


def test_an_engine_without_a_finder_is_given_the_callers(monkeypatch: pytest.MonkeyPatch, pack: Path) -> None:
    cached = type("Cached", (), {"find_source": None})()
    monkeypatch.setitem(backends._engines, str(pack.resolve()), cached)
    find = directory_finder(pack, MODEL_SLUG)
    assert backends.engine_for_pack(pack, max_tokens=64, find_source=find) is cached
    assert cached.find_source is find
    other = directory_finder(pack, "x")
    backends.engine_for_pack(pack, max_tokens=64, find_source=other)
    assert cached.find_source is find  # an engine keeps the finder it has
