"""A deterministic stand-in for the sentence-embedding model: bag of lower-cased words
hashed into a small vector, so tests of the scorers' plumbing run in milliseconds."""

from __future__ import annotations

import re
import zlib

import numpy as np

from scoring.embedder import DIM


class BagOfWordsEmbedder:
    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"[a-z]+", text.lower()):
                out[i, zlib.crc32(word.rstrip("s").encode()) % DIM] += 1.0
            out[i, DIM - 1] += 0.1  # never the zero vector
            out[i] /= np.linalg.norm(out[i])
        return out
