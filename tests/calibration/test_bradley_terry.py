"""Bradley–Terry ratings from "this or that" comparisons, and the choice of the next pair."""

from __future__ import annotations

import math
import random

import pytest

from calibration.bradley_terry import fit_bradley_terry, next_pair, win_probability


def _simulate(true: list[float], n: int, rng: random.Random) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        i, j = rng.sample(range(len(true)), 2)
        out.append((i, j) if rng.random() < win_probability(true[i], true[j]) else (j, i))
    return out


def test_recovers_the_true_order():
    true = [1.5, -0.5, 0.7, -1.6, 0.0]
    fit = fit_bradley_terry(len(true), _simulate(true, 600, random.Random(11)))
    assert fit.order() == sorted(range(len(true)), key=lambda i: -true[i])
    centred = [r - sum(fit.ratings) / len(true) for r in fit.ratings]
    truth = [t - sum(true) / len(true) for t in true]
    for r, t, se in zip(centred, truth, fit.stderrs):
        assert abs(r - t) < 3 * se + 0.1
    assert sum(fit.counts) == 1200


def test_defined_with_few_and_one_sided_comparisons():
    fit = fit_bradley_terry(3, [(0, 1), (0, 1)])
    assert all(math.isfinite(r) for r in fit.ratings)
    assert fit.ratings[0] > fit.ratings[2] > fit.ratings[1]
    assert fit.ratings[2] == pytest.approx(0.0, abs=1e-9)  # never compared: stays at the prior
    assert fit.stderrs[2] == pytest.approx(2.0)  # ... with the prior's spread
    assert fit.counts == (2, 2, 0)
    empty = fit_bradley_terry(2, [])
    assert empty.ratings == (0.0, 0.0)


def test_standard_errors_shrink_with_data():
    rng = random.Random(2)
    few = fit_bradley_terry(3, _simulate([0.5, 0.0, -0.5], 20, rng))
    many = fit_bradley_terry(3, _simulate([0.5, 0.0, -0.5], 2000, rng))
    assert all(m < f for m, f in zip(many.stderrs, few.stderrs))


def test_bad_comparisons_are_refused():
    with pytest.raises(ValueError):
        fit_bradley_terry(3, [(0, 3)])
    with pytest.raises(ValueError):
        fit_bradley_terry(3, [(1, 1)])


def test_next_pair_picks_the_uncertain_pair():
    # 0 and 1 are close; 2 is far above both: comparing 0 with 1 teaches most.
    assert next_pair([0.0, 0.1, 4.0], [0.5, 0.5, 0.5], [10, 10, 10]) == (0, 1)
    # Equal gaps: the pair whose ratings are least certain.
    assert next_pair([0.0, 0.0, 0.0, 0.0], [0.3, 1.2, 0.3, 1.0], [9, 2, 9, 3]) == (1, 3)
    # Equal value everywhere: the least compared pair goes first.
    assert next_pair([0.0, 0.0, 0.0], [1.0, 1.0, 1.0], [5, 1, 2]) == (1, 2)


def test_adaptive_pairs_recover_the_order_from_a_fit():
    """Asking next_pair's pair each round finds the best option within a modest budget."""
    true = [0.0, 1.0, -1.0, 2.0]
    rng = random.Random(4)
    comps: list[tuple[int, int]] = []
    for _ in range(120):
        fit = fit_bradley_terry(len(true), comps)
        i, j = next_pair(fit.ratings, fit.stderrs, fit.counts)
        comps.append((i, j) if rng.random() < win_probability(true[i], true[j]) else (j, i))
    assert fit_bradley_terry(len(true), comps).order() == [3, 1, 0, 2]
