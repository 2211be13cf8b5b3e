"""Building scorer inputs from plain token/value lists.

The game's scoring job, `score_file` and the benchmarks all come through here, so every
caller validates and normalises records the same way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from scoring.base import Record, ScoringInput

TokensAndValues = tuple[Sequence[str], Sequence[float]]


class RecordError(ValueError):
    """A record that cannot be scored (mismatched lengths, non-numbers)."""


def make_record(tokens: Sequence[str], values: Sequence[float]) -> Record:
    tokens = list(tokens)
    if not all(isinstance(t, str) for t in tokens):
        raise RecordError("record tokens must be strings")
    if len(tokens) != len(values):
        raise RecordError(f"record has {len(tokens)} tokens but {len(values)} values")
    if not tokens:
        raise RecordError("record has no tokens")
    clean: list[float] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise RecordError(f"record value {v!r} is not a finite number")
        clean.append(float(v))
    return Record(tokens=tokens, values=clean)


def build_scoring_input(
    *,
    explanation: str,
    top: Iterable[TokensAndValues],
    random: Iterable[TokensAndValues] = (),
    max_activation: float | None = None,
) -> ScoringInput:
    """A `ScoringInput` from (tokens, values) pairs; `max_activation` defaults to the
    largest value in the top records (the best available stand-in for the corpus max)."""
    text = explanation.strip()
    if not text:
        raise RecordError("explanation is empty")
    top_records = [make_record(t, v) for t, v in top]
    random_records = [make_record(t, v) for t, v in random]
    if not top_records:
        raise RecordError("no top-activating records to score against")
    if max_activation is None:
        max_activation = max(r.max_value for r in top_records)
    return ScoringInput(
        explanation=text,
        top_records=top_records,
        random_records=random_records,
        max_activation=max_activation,
    )


def normalise_activations(values: Sequence[float], max_activation: float | None) -> list[int]:
    """OpenAI's 0..10 scale: floor(10 * max(0, a) / max_act), clipped to 10."""
    if not max_activation or max_activation <= 0:
        return [0 for _ in values]
    return [min(10, int(math.floor(10 * max(0.0, v) / max_activation))) for v in values]


def all_records(data: ScoringInput) -> list[Record]:
    """Top records then random ones: the order in which per-record details are reported."""
    return [*data.top_records, *data.random_records]
