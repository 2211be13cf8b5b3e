"""The default scorer: simulate a feature from its explanation with token vectors in context.

Like OpenAI's method, it predicts every token's activation from the explanation alone and
scores the Pearson correlation with the true activations over all tokens of the scored
records. The simulator is not a language model but an ensemble of cheap, complementary
readings of the explanation, each turned into a per-token prediction:

- *in context*: each token's hidden state, read while the embedding model encodes the whole
  record (`scoring/contextual.py`), against the explanation, clause by clause (the best
  matching clause counts, so "X, and also Y" predicts Y too and pays for it where Y is
  wrong), and against the explanation's content words one by one;
- *on its own*: the sentence embedding of the token's string against the explanation's;
- *named*: tokens the explanation names in plain words, punctuation and layout it names in
  words ("closing parentheses", "blank lines"; `scoring/naming.py`), and tokens it quotes
  (`scoring/lexical.py`); together they weigh less than the readings in context, so that
  naming a token helps but cannot dominate. The words around a target in an example ("as
  in *described* above") are its setting, not names (`scoring/examples.py`), and a name the
  explanation confines ("the comm at the start of the word commit", "the word be in the
  phrase must be") is named only where its condition holds (`scoring/scope.py`);
- *placed*: tokens the explanation places by position: the word right after or before the
  words or punctuation it names, the first or last word of a line or sentence, the words
  inside brackets or quotes (`scoring/relations.py`). The other readings light up the anchors
  themselves, exactly where such a feature does not fire.

Each reading is sharpened and scaled to a maximum of 1 over the scored tokens, then mixed
with weights tuned on the tune split of the human-written validity set (never the test
split; see bench/data/README.md). Change the weights, the readings or the encoder's default
precision and bump `version`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from scoring.base import Record
from scoring.contextual import ContextualEncoder, default_encoder
from scoring.embedder import Embedder, default_embedder
from scoring.examples import setting_words
from scoring.lexical import ExplanationTerms
from scoring.naming import named_words, naming_scores, symbol_scores
from scoring.registry import register
from scoring.relations import relation_scores
from scoring.scope import Scope
from scoring.simulation import LocalSimulator
from scoring.text import token_label

# Clause boundaries: an explanation of two things predicts each where it applies.
_CLAUSES = re.compile(
    r"\s*(?:,?\s*\band also\b|;|,?\s*\bas well as\b|,?\s*\bplus\b|,\s*and\b|,\s*or\b)\s*", re.I
)

# reading -> (weight, sharpness); sharpness 0 means the reading is already a strength in 0..1.
WEIGHTS: dict[str, tuple[float, float]] = {
    "clause": (0.435, 10.0),
    "clause_words": (0.095, 10.0),
    "words": (0.77, 10.0),
    "alone": (0.30, 6.0),
    "named": (0.32, 0.0),
    "quoted": (0.24, 0.0),
    "symbols": (0.80, 0.0),
    "placed": (0.60, 0.0),
}


def clauses(explanation: str) -> list[str]:
    parts = [p for p in _CLAUSES.split(explanation) if p and len(p.split()) >= 2]
    return parts or [explanation]


def _scaled(values: np.ndarray, sharpness: float) -> np.ndarray:
    """Sharpened and scaled so that the strongest token reads 1 (Pearson ignores the scale,
    but the mix needs the readings on one footing)."""
    if values.size == 0:
        return values
    if sharpness:
        return np.exp(sharpness * (values - values.max()))
    top = values.max()
    return values / top if top > 0 else values


class ContextualSimulator(LocalSimulator):
    name = "contextual-simulation"
    version = "6"

    def __init__(self, encoder: ContextualEncoder | None = None, embedder: Embedder | None = None,
                 weights: dict[str, tuple[float, float]] | None = None) -> None:
        self._encoder = encoder
        self._embedder = embedder
        self.weights = dict(weights or WEIGHTS)

    @property
    def encoder(self) -> ContextualEncoder:
        if self._encoder is None:
            self._encoder = default_encoder()
        return self._encoder

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def warm_up(self, vocabulary: Iterable[str]) -> None:
        """Embed a model's token strings once per process (their embedding never changes) and
        load the encoder (on a new host, building its graph first: seconds, once)."""
        self.embedder.encode(sorted({token_label(t) for t in vocabulary}))
        self.encoder.load()

    def readings(self, explanation: str, records: list[Record]) -> dict[str, np.ndarray]:
        """Every reading of the explanation, per token of all records (concatenated)."""
        tokens = [t for r in records for t in r.tokens]
        parts_text = clauses(explanation)
        # An explanation of one clause is its own clause: read once.
        texts = list(dict.fromkeys([explanation, *parts_text]))
        record_vecs, explained = self.encoder.encode([r.tokens for r in records], texts)
        ctx = np.concatenate(record_vecs)
        whole, parts = explained[0], [explained[texts.index(p)] for p in parts_text]
        labels = self.embedder.encode([token_label(t) for t in tokens])
        terms = ExplanationTerms.parse(explanation)
        setting = frozenset(setting_words(explanation))
        named = naming_scores(explanation, tokens, setting)
        symbols = symbol_scores(explanation, tokens)
        # Conditions hold within a record: words never run on from one record into the next.
        scope = Scope.parse(explanation, named_words(explanation) - setting)
        outside = [scope.outside(r.tokens) for r in records]
        named[np.concatenate([names for names, _ in outside])] = 0.0
        symbols[np.concatenate([marks for _, marks in outside])] = 0.0
        return {
            "clause": np.max(np.stack([ctx @ p.whole for p in parts]), axis=0),
            "clause_words": np.max(np.stack([(ctx @ p.content.T).max(axis=1) for p in parts]), axis=0),
            "words": (ctx @ whole.content.T).max(axis=1),
            "alone": labels @ whole.sentence,
            "named": named,
            "quoted": np.concatenate([terms.scores(r.tokens) for r in records]),
            "symbols": symbols,
            "placed": np.concatenate([relation_scores(explanation, r.tokens) for r in records]),
        }

    def predict(self, explanation: str, records: list[Record]) -> list[np.ndarray]:
        """Predicted activation of every token, 0..10 scale, one array per record."""
        readings = self.readings(explanation, records)
        mix = sum(w * _scaled(readings[k], sharp) for k, (w, sharp) in self.weights.items() if w)
        mix = np.asarray(mix, dtype=np.float64)
        top = float(mix.max()) if mix.size else 0.0
        mix = mix * (10.0 / top) if top > 0 else mix
        out, offset = [], 0
        for r in records:
            out.append(mix[offset : offset + len(r.tokens)])
            offset += len(r.tokens)
        return out


@register("contextual-simulation")
def _factory() -> ContextualSimulator:
    return ContextualSimulator()
