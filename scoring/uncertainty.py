"""How much of a score is noise: bootstrap over the scored records.

A score is computed on a handful of records (five held-out top windows and as many random
ones in the demo), so two explanations can differ by a few hundredths by chance alone. The
unit of resampling is the record, drawn with replacement within its kind (top, random) so
every resample keeps both classes. Pearson scores resample per-record sums, so a thousand
resamples cost one small matrix product.

Two explanations of one feature scored by one method are scored on the same records, so
their difference is judged by a *paired* bootstrap: both are recomputed on each resample.
That cancels the variation the records share and is much tighter than adding two errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_RESAMPLES = 1000
SEED = 20240601


@dataclass(frozen=True)
class Difference:
    """`a - b` and the standard error of that difference; `paired` when both were resampled together."""

    value: float
    stderr: float
    paired: bool


def _resample_counts(kinds: Sequence[str], n: int, seed: int) -> np.ndarray:
    """int[n, R]: how often each record is drawn in each resample, within its kind."""
    rng = np.random.default_rng(seed)
    kinds = list(kinds)
    counts = np.zeros((n, len(kinds)), dtype=np.float64)
    for kind in sorted(set(kinds)):
        idx = np.array([i for i, k in enumerate(kinds) if k == kind])
        draws = rng.integers(0, idx.size, size=(n, idx.size))
        for j in range(idx.size):
            counts[np.arange(n), idx[draws[:, j]]] += 1
    return counts


def _pearson_sums(truth: Sequence[np.ndarray], pred: Sequence[np.ndarray]) -> np.ndarray:
    """float[R, 6]: per record n, Σx, Σy, Σxx, Σyy, Σxy."""
    rows = []
    for x, y in zip(truth, pred):
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        rows.append([x.size, x.sum(), y.sum(), (x * x).sum(), (y * y).sum(), (x * y).sum()])
    return np.asarray(rows, dtype=np.float64)


def _pearson_from_sums(s: np.ndarray) -> np.ndarray:
    n, sx, sy, sxx, syy, sxy = (s[..., i] for i in range(6))
    cov = sxy - sx * sy / n
    vx = sxx - sx * sx / n
    vy = syy - sy * sy / n
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(vx * vy)
    # A resample with no variance on one side has no correlation: left out, not counted as 0.
    r[~((vx > 1e-12) & (vy > 1e-12))] = np.nan
    return r


def pearson_stderr(
    truth: Sequence[Sequence[float]], pred: Sequence[Sequence[float]], kinds: Sequence[str],
    *, resamples: int = DEFAULT_RESAMPLES, seed: int = SEED,
) -> float | None:
    """Bootstrap standard error of the token-level Pearson r over records."""
    if len(truth) < 2:
        return None
    sums = _pearson_sums(truth, pred)
    r = _pearson_from_sums(_resample_counts(kinds, resamples, seed) @ sums)
    r = r[np.isfinite(r)]
    return float(np.std(r, ddof=1)) if r.size > 10 else None


def pearson_difference(
    truth: Sequence[Sequence[float]], pred_a: Sequence[Sequence[float]], pred_b: Sequence[Sequence[float]],
    kinds: Sequence[str], *, resamples: int = DEFAULT_RESAMPLES, seed: int = SEED,
) -> Difference | None:
    """r(a) - r(b) on the same records, with its paired-bootstrap standard error."""
    if len(truth) < 2:
        return None
    counts = _resample_counts(kinds, resamples, seed)
    ra_full = _pearson_from_sums(_pearson_sums(truth, pred_a).sum(0, keepdims=True))[0]
    rb_full = _pearson_from_sums(_pearson_sums(truth, pred_b).sum(0, keepdims=True))[0]
    ra = _pearson_from_sums(counts @ _pearson_sums(truth, pred_a))
    rb = _pearson_from_sums(counts @ _pearson_sums(truth, pred_b))
    d = ra - rb
    d = d[np.isfinite(d)]
    if d.size <= 10 or not (np.isfinite(ra_full) and np.isfinite(rb_full)):
        return None
    return Difference(float(ra_full - rb_full), float(np.std(d, ddof=1)), paired=True)


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    greater = (pos[:, None] > neg[None, :]).mean()
    ties = (pos[:, None] == neg[None, :]).mean()
    return float(greater + 0.5 * ties)


def auc_stderr(scores: Sequence[float], positive: Sequence[bool], *, resamples: int = 300, seed: int = SEED) -> float | None:
    """Bootstrap standard error of an ROC AUC, resampling each class separately."""
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    pos, neg = s[y], s[~y]
    if pos.size < 2 or neg.size < 2:
        return None
    rng = np.random.default_rng(seed)
    values = [_auc(rng.choice(pos, pos.size), rng.choice(neg, neg.size)) for _ in range(resamples)]
    return float(np.std(values, ddof=1))


def records_for_bootstrap(details: dict) -> tuple[list[list[float]], list[list[float]], list[str]] | None:
    """(truth, predictions, kinds) per record from a simulation score's details, when it kept them."""
    recs = details.get("records") if isinstance(details, dict) else None
    if not recs or not all(isinstance(r, dict) and "true" in r and "predicted" in r for r in recs):
        return None
    return [r["true"] for r in recs], [r["predicted"] for r in recs], [str(r.get("kind", "top")) for r in recs]


def score_difference(
    details_a: dict, value_a: float, stderr_a: float | None,
    details_b: dict, value_b: float, stderr_b: float | None,
) -> Difference:
    """How far score a is above score b, and the noise of that difference.

    Paired when both kept per-record predictions on the same records; otherwise the two
    standard errors are combined as if independent (wider, so it errs against a new best);
    with no error known at all, the stderr is 0 and callers fall back on a fixed margin.
    """
    a = records_for_bootstrap(details_a)
    b = records_for_bootstrap(details_b)
    if a and b and len(a[0]) == len(b[0]) and all(
        len(x) == len(y) and np.allclose(x, y, atol=1e-3) for x, y in zip(a[0], b[0])
    ) and a[2] == b[2]:
        diff = pearson_difference(a[0], a[1], b[1], a[2])
        if diff is not None:
            return Difference(value_a - value_b, diff.stderr, paired=True)
    se = float(np.hypot(stderr_a or 0.0, stderr_b or 0.0))
    return Difference(value_a - value_b, se, paired=False)
