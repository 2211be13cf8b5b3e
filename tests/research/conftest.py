"""Fixtures for the research pages' tests. The browser test runs a real (tiny, random) model in
process: it reuses the inference tests' pack, engine and catalogue rows."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from tests.inference.conftest import catalogue, engine, local_engine, model_pack  # noqa: F401 (fixtures)
from tests.inference.model_pack import D_MODEL, MODEL_SLUG, write_model_pack


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # Rate-limit windows live in the (possibly shared Redis) cache: a fresh namespace per test
    # starts with none used, without flushing anyone else's keys.
    settings.RATE_LIMIT_NAMESPACE = uuid.uuid4().hex


@pytest.fixture(scope="session")
def corpus_pack(tmp_path_factory) -> Path:
    return write_model_pack(tmp_path_factory.mktemp("upload") / "pack", with_corpus=True)


@pytest.fixture
def upload_model(corpus_pack, settings, tmp_path, monkeypatch):
    """The tiny model with a corpus, loaded as the only model an SAE can be uploaded for; uploads
    stored in a folder of this test's own, and an in-process engine that starts without them."""
    from game.importer import display_safe
    from game.models import LanguageModel, Source
    from inference_client import backends

    monkeypatch.delitem(backends._engines, str(corpus_pack.resolve()), raising=False)

    settings.STORAGES = {**settings.STORAGES, "sae_uploads": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "store")}}}
    settings.SAE_UPLOADS_CACHE = tmp_path / "cache"
    meta = json.loads((corpus_pack / "pack.json").read_text())["model"]
    found = LanguageModel.objects.create(slug=MODEL_SLUG, name=meta["name"], n_layers=1, d_model=D_MODEL,
                                         d_vocab=meta["d_vocab"], n_ctx=meta["n_ctx"], pack_path=str(corpus_pack))
    # As an import stores it: the clues of a new source are read through the model's vocabulary.
    found.set_vocab([display_safe(t) for t in json.loads((corpus_pack / "vocab.json").read_text())])
    Source.objects.create(model=found, slug="0-mlp", kind="neurons", layer=0, hook_point="blocks.0.mlp.hook_post",
                          width=32)
    return found
