"""Pearson correlation shared by every simulation-style scorer.

A correlation is undefined when either side has no variance (a scorer that predicts the
same value everywhere, or records where nothing fires). That case is reported as such
rather than as 0 or NaN, so that callers never store a made-up number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scoring.base import Status

# Below this relative spread a series counts as constant (float noise, not signal).
_CONSTANT_EPS = 1e-12


@dataclass(frozen=True)
class Correlation:
    status: Status  # "ok" or "undefined"
    value: float | None
    reason: str = ""


def pearson(truth: Sequence[float] | np.ndarray, predicted: Sequence[float] | np.ndarray) -> Correlation:
    """Pearson r of two equally long series; `undefined` when either is constant or empty."""
    x = np.asarray(truth, dtype=np.float64).ravel()
    y = np.asarray(predicted, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"series differ in length: {x.size} true values, {y.size} predictions")
    if x.size < 2:
        return Correlation("undefined", None, "fewer than two values")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("series contain NaN or infinite values")
    dx = x - x.mean()
    dy = y - y.mean()
    sx = float(np.sqrt((dx * dx).sum()))
    sy = float(np.sqrt((dy * dy).sum()))
    if sx <= _CONSTANT_EPS * max(1.0, float(np.abs(x).max())):
        return Correlation("undefined", None, "true activations are constant")
    if sy <= _CONSTANT_EPS * max(1.0, float(np.abs(y).max())):
        return Correlation("undefined", None, "predictions are constant")
    r = float((dx * dy).sum() / (sx * sy))
    # Rounding can push |r| a hair past 1.
    return Correlation("ok", max(-1.0, min(1.0, r)))
