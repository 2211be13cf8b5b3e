"""Ratings from "this or that": players pick the better of two explanations.

Bradley–Terry: option i beats option j with probability σ(r_i - r_j), σ the logistic
function, r the ratings (log-strengths). The fit is the posterior mode under a weak Gaussian
prior r ~ N(0, prior_sd²) on every rating, found by Newton's method. The prior matters only
where the data are thin: it keeps the ratings finite when an option has won (or lost) every
comparison, and defined for options never compared, and it makes the log posterior strictly
concave, so Newton converges from zero without step control. Standard errors come from the
curvature at the mode (the Laplace approximation).

`next_pair` spends the next comparison where its outcome is least predictable and the
ratings most uncertain: the pair whose answer teaches most.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Ratings are log-odds; a prior sd of 2 allows one option to beat another ~98% of the time
# within two standard deviations, so it shrinks only what the comparisons cannot support.
PRIOR_SD = 2.0


@dataclass(frozen=True)
class BTFit:
    """Per-option ratings (log-strength, prior mean 0), their standard errors, and how many
    comparisons each option took part in."""

    ratings: tuple[float, ...]
    stderrs: tuple[float, ...]
    counts: tuple[int, ...]

    def order(self) -> list[int]:
        """Options from best rated to worst."""
        return sorted(range(len(self.ratings)), key=lambda i: -self.ratings[i])


def win_probability(r_i: float, r_j: float) -> float:
    """P(option i beats option j) under Bradley–Terry."""
    return 1.0 / (1.0 + math.exp(r_j - r_i))


def fit_bradley_terry(
    n_options: int,
    comparisons: Sequence[tuple[int, int]],
    *,
    prior_sd: float = PRIOR_SD,
    tol: float = 1e-9,
    max_iter: int = 100,
) -> BTFit:
    """Fit ratings to `comparisons`, each a (winner, loser) pair of option indices."""
    if n_options < 1:
        raise ValueError("need at least one option")
    if prior_sd <= 0:
        raise ValueError("prior_sd must be positive")
    pairs = np.asarray(list(comparisons), dtype=np.int64).reshape(-1, 2)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= n_options):
        raise ValueError(f"comparison names an option outside 0..{n_options - 1}")
    if np.any(pairs[:, 0] == pairs[:, 1]):
        raise ValueError("an option cannot be compared with itself")
    winners, losers = pairs[:, 0], pairs[:, 1]
    precision = 1.0 / prior_sd**2

    r = np.zeros(n_options)
    for _ in range(max_iter):
        p_win = 1.0 / (1.0 + np.exp(r[losers] - r[winners]))  # each winner's predicted chance
        surprise = 1.0 - p_win
        grad = -precision * r
        np.add.at(grad, winners, surprise)
        np.add.at(grad, losers, -surprise)
        hessian = _hessian(n_options, winners, losers, p_win * surprise, precision)
        step = np.linalg.solve(hessian, -grad)
        r = r + step
        if np.max(np.abs(step)) < tol:
            break
    p_win = 1.0 / (1.0 + np.exp(r[losers] - r[winners]))
    hessian = _hessian(n_options, winners, losers, p_win * (1.0 - p_win), precision)
    stderrs = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    counts = np.bincount(pairs.ravel(), minlength=n_options)
    return BTFit(tuple(float(x) for x in r), tuple(float(x) for x in stderrs), tuple(int(c) for c in counts))


def _hessian(n: int, winners: np.ndarray, losers: np.ndarray, info: np.ndarray, precision: float) -> np.ndarray:
    """Second derivative of the log posterior: each comparison adds -w on the two diagonal
    entries and +w off-diagonal (w = p(1 - p)), the prior adds -precision on the diagonal."""
    h = -precision * np.eye(n)
    np.add.at(h, (winners, winners), -info)
    np.add.at(h, (losers, losers), -info)
    np.add.at(h, (winners, losers), info)
    np.add.at(h, (losers, winners), info)
    return h


def next_pair(ratings: Sequence[float], stderrs: Sequence[float], counts: Sequence[int]) -> tuple[int, int]:
    """The pair (i, j), i < j, whose comparison is expected to teach most.

    A pair's value is p(1 - p) × (se_i² + se_j²), p = σ(r_i - r_j): the outcome's variance
    (largest for evenly matched options) times how uncertain their difference still is. To
    first order this is how much one answer shrinks the variance of r_i - r_j. Among equally
    valuable pairs the least compared one goes first, so cold options are not starved.
    """
    n = len(ratings)
    if n < 2:
        raise ValueError("need at least two options to pick a pair")
    if len(stderrs) != n or len(counts) != n:
        raise ValueError("ratings, stderrs and counts must have one entry per option")
    best: tuple[float, int, int, int] | None = None
    for i in range(n):
        for j in range(i + 1, n):
            p = win_probability(ratings[i], ratings[j])
            value = p * (1.0 - p) * (stderrs[i] ** 2 + stderrs[j] ** 2)
            key = (round(value, 12), -(counts[i] + counts[j]), -i, -j)
            if best is None or key > best:
                best = key
    assert best is not None
    return -best[2], -best[3]
