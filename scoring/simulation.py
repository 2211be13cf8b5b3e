"""The score of a simulation: predicted activations against true ones.

Every simulator (offline or by a language model) ends the same way: Pearson over all tokens of
the scored records, the per-record truth and predictions kept in the details (so two scores on
the same records can be compared by a paired bootstrap), and a bootstrap standard error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring.base import PermanentScoringError, Record, ScoreResult, ScoringInput
from scoring.pearson import pearson
from scoring.records import all_records, normalise_activations
from scoring.uncertainty import pearson_stderr


def simulation_result(data: ScoringInput, preds: Sequence[np.ndarray]) -> ScoreResult:
    """The score of `preds` (one array per record, top records then random ones)."""
    records = all_records(data)
    truth = np.concatenate([np.asarray(r.values, dtype=np.float64) for r in records])
    corr = pearson(truth, np.concatenate([np.asarray(p, dtype=np.float64) for p in preds]))
    kinds = ["top" if i < len(data.top_records) else "random" for i in range(len(records))]
    details = {
        "n_top": len(data.top_records),
        "n_random": len(data.random_records),
        "records": [
            {"kind": kind, "true": normalise_activations(r.values, data.max_activation),
             "predicted": [round(float(x), 2) for x in p]}
            for kind, r, p in zip(kinds, records, preds)
        ],
    }
    if not data.random_records:
        details["note"] = "no random records: scored on top records only"
    if corr.status != "ok":
        return ScoreResult("undefined", None, details=details, error=corr.reason)
    stderr = pearson_stderr([r.values for r in records], preds, kinds)
    return ScoreResult("ok", round(corr.value, 6), details=details, stderr=stderr)


class LocalSimulator:
    """A simulator that runs in this process on local model files: subclasses predict every
    token's activation, and a score is those predictions correlated with the truth."""

    def predict(self, explanation: str, records: list[Record]) -> list[np.ndarray]:
        raise NotImplementedError

    def score(self, data: ScoringInput) -> ScoreResult:
        try:
            preds = self.predict(data.explanation, all_records(data))
        except (OSError, ImportError) as exc:  # model files missing or broken: every score would fail alike
            raise PermanentScoringError(f"embedding model unavailable: {exc}") from exc
        return simulation_result(data, preds)
