"""The engine on the real demo pack reproduces what the pipeline stored: for each source, the
max of a top record, recomputed from the record's text."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

import numpy as np
import pytest

from inference_client.engine import InferenceEngine
from pipeline.pack import read_pack

# LP_DEMO_PACK points the test at another build of the demo pack (a smaller one, while developing).
DEMO = Path(os.environ.get("LP_DEMO_PACK") or Path(__file__).resolve().parents[2] / "packs" / "demo")
HAS_DEMO = (DEMO / "pack.json").exists() and (DEMO / "model").exists()
SOURCES = [s.slug for s in read_pack(DEMO).sources] if HAS_DEMO else []

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not HAS_DEMO, reason="packs/demo is not built (pipeline.build_demo)")]


@pytest.fixture(scope="module")
def demo_engine() -> InferenceEngine:
    return InferenceEngine.from_pack(DEMO, device="cpu")


def reproducible_top_record(engine: InferenceEngine, slug: str) -> tuple[list[int], int, float]:
    """(text token ids, feature, stored max) of a top record the engine can recompute exactly.

    The pipeline ran the corpus stream in overlapping chunks (`features.iter_chunks`), so a
    token's activation saw the chunk's tokens before it. Where a chunk starts at the BOS of the
    token's document, that context is exactly "BOS + the document up to the token": what the
    engine sees for the document's text."""
    from pipeline.features import extract_features, iter_chunks
    from pipeline.pack import load_corpus_tokens, load_features

    arrays = load_features(DEMO, slug)
    tokens = np.asarray(load_corpus_tokens(DEMO))
    bos = np.flatnonzero(tokens == engine.tokenizer.bos_id)
    n_ctx = engine.model.cfg.n_ctx
    overlap = inspect.signature(extract_features).parameters["overlap"].default
    chunks = list(iter_chunks(len(tokens), n_ctx, overlap))
    stride = n_ctx - overlap
    # Any top record (its stored max is exact): the first-ranked ones may all sit mid-chunk.
    top = np.flatnonzero((arrays["rec_kind"] == 0) & (arrays["rec_max"] > 0))
    candidates = []
    for r in top:
        p = int(arrays["rec_start"][r] + arrays["rec_max_pos"][r])
        ctx, keep_s, keep_e = chunks[p // stride]
        assert keep_s <= p < keep_e
        doc_bos = int(bos[np.searchsorted(bos, p, side="right") - 1])
        if ctx == doc_bos and p - doc_bos <= engine.max_tokens:
            candidates.append((p - doc_bos, p, r))
    for length, p, r in sorted(candidates, reverse=True):  # the longest text is the strongest check
        ids = tokens[p - length + 1:p + 1].tolist()
        if engine.tokenizer.encode(engine.tokenizer.decode(ids)) != ids:
            continue  # the text would not re-tokenize to the same tokens
        return ids, int(arrays["rec_feature"][r]), float(arrays["rec_max"][r])
    pytest.fail(f"no top record of {slug} starts its chunk at its document's BOS")


@pytest.mark.parametrize("slug", SOURCES)
def test_the_engine_reproduces_a_stored_top_activation(demo_engine: InferenceEngine, slug: str) -> None:
    ids, feature, stored = reproducible_top_record(demo_engine, slug)
    text = demo_engine.tokenizer.decode(ids)
    out = demo_engine.feature_activation(text, slug, feature)
    assert len(out["tokens"]) == len(ids)
    assert out["values"][-1] == pytest.approx(stored, rel=1e-3, abs=1e-3)


STEER_PROMPTS = ["And the king said unto", "The weather today is", "A wise man once told me"]


def test_steering_a_residual_feature_makes_the_model_write_text_it_fires_on(demo_engine: InferenceEngine) -> None:
    """The feature's activation on the steered text (read without the push) rises with the
    strength, averaged over prompts, seeds and six live features of the residual SAE drawn at
    random (bench/steering.py measures every source; not every feature moves a model this small)."""
    from pipeline.pack import load_features

    slug = "1-res-sae"
    maxes = np.asarray(load_features(DEMO, slug)["max_activation"], dtype=float)
    features = np.random.default_rng(0).choice(np.flatnonzero(maxes > 0), size=6, replace=False)
    means = []
    for multiple in (0, 2, 4):
        values = []
        for index in features:
            peak = float(maxes[index])
            for prompt in STEER_PROMPTS:
                for seed in range(3):
                    text = demo_engine.steer(prompt, slug, int(index), multiple * peak, seed=seed,
                                             max_new_tokens=24)["steered"]
                    values.append(demo_engine.feature_activation(text, slug, int(index))["max_value"] / peak
                                  if text.strip() else 0.0)
        means.append(float(np.mean(values)))
    assert means[0] < means[1] < means[2], means
