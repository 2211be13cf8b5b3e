"""How well people can use an explanation: the human simulation score.

A player sees one explanation and a handful of snippets, some where the feature fires and some
where it does not, and marks the tokens where they think it fires. If the explanation is good,
a player who follows it marks the right tokens; so the agreement between marks and true
activations, averaged over players, scores the explanation the way the automatic simulator
does, with people as the simulator.

- `token_correlation`: Pearson between marks (0/1) and activations over all tokens, the same
  statistic as the automatic score, so the two can be compared directly;
- `snippet_balanced_accuracy`: whether the player found which snippets fire at all, balanced
  so that marking everything (or nothing) scores 0.5, not the share of firing snippets;
- `aggregate`: the mean over players, with its standard error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def snippet_balanced_accuracy(marked_snippets: Sequence[bool], firing_snippets: Sequence[bool]) -> float | None:
    """Mean of the hit rate on firing snippets and the correct-rejection rate on the others.

    None when the snippets hold only one class: balanced accuracy is undefined there, and
    scoring it as plain accuracy would reward whoever always says the same thing.
    """
    if len(marked_snippets) != len(firing_snippets):
        raise ValueError(f"{len(marked_snippets)} marks for {len(firing_snippets)} snippets")
    pos = [bool(m) for m, f in zip(marked_snippets, firing_snippets) if f]
    neg = [not m for m, f in zip(marked_snippets, firing_snippets) if not f]
    if not pos or not neg:
        return None
    return (sum(pos) / len(pos) + sum(neg) / len(neg)) / 2.0


def token_correlation(marks: Sequence[Sequence[bool]], activations: Sequence[Sequence[float]]) -> float | None:
    """Pearson correlation between marks and activations over all tokens of all snippets.

    None when it is undefined: no tokens, or either side constant (a player who marked
    nothing, or snippets where the feature never varies).
    """
    if len(marks) != len(activations):
        raise ValueError(f"marks for {len(marks)} snippets, activations for {len(activations)}")
    for m, a in zip(marks, activations):
        if len(m) != len(a):
            raise ValueError("marks and activations differ in length within a snippet")
    x = np.array([float(bool(t)) for m in marks for t in m])
    y = np.array([float(v) for a in activations for v in a])
    if x.size < 2:
        return None
    x = x - x.mean()
    y = y - y.mean()
    denom = math.sqrt(float(x @ x) * float(y @ y))
    if denom == 0.0 or not math.isfinite(denom):
        return None
    return float(x @ y) / denom


@dataclass(frozen=True)
class HumanScore:
    """The mean per-player score, its standard error (None with fewer than two players), and
    how many players' scores it rests on (undefined ones are left out)."""

    value: float | None
    stderr: float | None
    players: int


def aggregate(per_player: Sequence[float | None]) -> HumanScore:
    """Mean of the defined per-player scores, with the standard error of that mean."""
    vals = [float(v) for v in per_player if v is not None and math.isfinite(v)]
    if not vals:
        return HumanScore(None, None, 0)
    mean = sum(vals) / len(vals)
    if len(vals) < 2:
        return HumanScore(mean, None, 1)
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1)
    return HumanScore(mean, math.sqrt(var / len(vals)), len(vals))
