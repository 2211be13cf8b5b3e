"""The default scorer: simulate the feature from its explanation with no language model.

OpenAI's method asks a language model to predict each token's activation from the
explanation and correlates the predictions with the truth. Here a sentence-embedding model
stands in for the language model: a token's predicted activation rises sharply with the
similarity between the explanation and the token (blended with its two preceding tokens,
for context), and jumps when the explanation names the token outright. The score is the
same Pearson correlation, over all tokens of all scored records, so it reads on the same
scale as `llm-simulation` (though it is a cruder simulator).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from scoring.base import Record
from scoring.embedder import Embedder, default_embedder
from scoring.lexical import ExplanationTerms
from scoring.registry import register
from scoring.simulation import LocalSimulator
from scoring.text import token_label


class OfflineSimulator(LocalSimulator):
    name = "offline-simulation"
    version = "1"

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        sharpness: float = 6.0,
        context_weight: float = 0.35,
        lexical_weight: float = 1.0,
    ) -> None:
        self._embedder = embedder
        # How steeply predictions rise with similarity: sentence similarities of unrelated
        # pairs sit around 0.1-0.3, so a plain cosine barely separates them.
        self.sharpness = sharpness
        self.context_weight = context_weight
        self.lexical_weight = lexical_weight

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def warm_up(self, vocabulary: Iterable[str]) -> None:
        """Embed a model's token strings ahead of time (a few seconds for a 4k vocabulary),
        so that the first scores of a process are as fast as the rest."""
        self.embedder.encode(sorted({token_label(t) for t in vocabulary}))

    def predict(self, explanation: str, records: list[Record]) -> list[np.ndarray]:
        """Predicted activation of every token, 0..10 scale, one array per record."""
        lengths = [len(r.tokens) for r in records]
        labels = [token_label(t) for r in records for t in r.tokens]
        vecs = self.embedder.encode([explanation, *labels])
        query, tok_vecs = vecs[0], vecs[1:]
        terms = ExplanationTerms.parse(explanation)

        raw: list[np.ndarray] = []
        offset = 0
        for rec, n in zip(records, lengths):
            tv = tok_vecs[offset : offset + n]
            offset += n
            # Context: the token plus its two predecessors, nearer ones weighing more.
            ctx = tv.copy()
            ctx[1:] += 0.5 * tv[:-1]
            ctx[2:] += 0.25 * tv[:-2]
            ctx /= np.linalg.norm(ctx, axis=1, keepdims=True) + 1e-8
            sim = (1 - self.context_weight) * (tv @ query) + self.context_weight * (ctx @ query)
            pred = np.exp(self.sharpness * (sim - 1.0))
            lex = terms.scores(rec.tokens)
            raw.append(pred + self.lexical_weight * lex)
        top = max((float(p.max()) for p in raw if p.size), default=0.0)
        scale = 10.0 / top if top > 0 else 1.0
        return [p * scale for p in raw]


@register("offline-simulation")
def _factory() -> OfflineSimulator:
    return OfflineSimulator()
