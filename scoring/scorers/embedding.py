"""EleutherAI's embedding scorer: does the explanation, as a search query, rank a feature's
activating records above non-activating ones? Score = ROC AUC of the similarities."""

from __future__ import annotations

import numpy as np

from scoring.base import PermanentScoringError, ScoreResult, ScoringInput
from scoring.embedder import Embedder, default_embedder
from scoring.metrics import roc_auc
from scoring.registry import register
from scoring.text import record_text
from scoring.uncertainty import auc_stderr


class EmbeddingScorer:
    name = "embedding"
    version = "1"

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def score(self, data: ScoringInput) -> ScoreResult:
        if not data.random_records:
            return ScoreResult(
                "undefined", None, error="embedding scoring needs non-activating (random) records; none given"
            )
        records = [*data.top_records, *data.random_records]
        labels = [True] * len(data.top_records) + [False] * len(data.random_records)
        texts = [record_text(r.tokens) for r in records]
        try:
            vecs = self.embedder.encode([data.explanation, *texts])
        except (OSError, ImportError) as exc:  # model files missing or broken
            raise PermanentScoringError(f"embedding model unavailable: {exc}") from exc
        sims = vecs[1:] @ vecs[0]
        auc = roc_auc(labels, sims)
        details = {
            "records": [
                {"kind": "top" if lab else "random", "similarity": round(float(s), 5)}
                for lab, s in zip(labels, sims)
            ],
        }
        if auc is None:
            return ScoreResult("undefined", None, details=details, error="one class of records is missing")
        return ScoreResult("ok", float(np.round(auc, 6)), details=details, stderr=auc_stderr(sims, labels))


@register("embedding")
def _factory() -> EmbeddingScorer:
    return EmbeddingScorer()
