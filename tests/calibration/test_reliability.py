"""Reliability from gold answers: the Beta posterior, its interval, vote weights, gold rate."""

from __future__ import annotations

import math
import random

import pytest

from calibration.reliability import Reliability, beta_cdf, beta_quantile, gold_rate, vote_weight


# Reference quantiles from scipy.stats.beta.ppf (scipy 1.17), written down so the test needs
# no scipy.
@pytest.mark.parametrize(
    ("q", "a", "b", "expected"),
    [
        (0.05, 2, 2, 0.13535036217158378),
        (0.95, 2, 2, 0.8646496378284161),
        (0.05, 10, 4, 0.5053502698486345),
        (0.95, 10, 4, 0.8873342192097178),
        (0.05, 36, 6, 0.7605293291816371),
        (0.95, 36, 6, 0.9342955507186271),
        (0.5, 3, 12, 0.1864741025854043),
    ],
)
def test_beta_quantile_matches_reference_values(q, a, b, expected):
    assert beta_quantile(q, a, b) == pytest.approx(expected, abs=1e-9)


def test_beta_quantile_closed_forms():
    for q in (0.01, 0.1, 0.37, 0.5, 0.9, 0.99):
        assert beta_quantile(q, 1, 1) == pytest.approx(q, abs=1e-10)  # uniform
        assert beta_quantile(q, 3, 1) == pytest.approx(q ** (1 / 3), abs=1e-10)  # CDF x^a
        assert beta_quantile(q, 1, 4) == pytest.approx(1 - (1 - q) ** (1 / 4), abs=1e-10)
        assert beta_quantile(q, 0.5, 0.5) == pytest.approx(math.sin(math.pi * q / 2) ** 2, abs=1e-10)  # arcsine


def test_beta_cdf_closed_form_and_symmetry():
    for x in (0.0, 0.05, 0.3, 0.5, 0.8, 1.0):
        assert beta_cdf(x, 2, 2) == pytest.approx(3 * x**2 - 2 * x**3, abs=1e-12)
        assert beta_cdf(x, 7, 3) == pytest.approx(1 - beta_cdf(1 - x, 3, 7), abs=1e-12)


def test_interval_is_equal_tailed_and_contains_the_mean():
    rel = Reliability(correct=8, answered=10)  # Beta(10, 4)
    lo, hi = rel.interval(0.9)
    assert (lo, hi) == (pytest.approx(0.5053502698486345, abs=1e-9), pytest.approx(0.8873342192097178, abs=1e-9))
    assert lo < rel.mean < hi
    lo99, hi99 = rel.interval(0.99)
    assert lo99 < lo and hi < hi99


def test_posterior_moments():
    rel = Reliability(correct=8, answered=10)
    assert rel.mean == pytest.approx(10 / 14)
    assert rel.stderr == pytest.approx(math.sqrt(10 * 4 / (14**2 * 15)))
    assert Reliability(0, 0).mean == 0.5
    assert Reliability(0, 0).answer(True) == Reliability(1, 1)


def test_invalid_counts_are_refused():
    with pytest.raises(ValueError):
        Reliability(correct=5, answered=4)
    with pytest.raises(ValueError):
        Reliability(correct=0, answered=0, prior_a=0)


def test_reliability_ranks_simulated_players():
    """Players of true accuracy 0.9, 0.7, 0.4, 0.1 answer 40 gold puzzles among 4 options."""
    rng = random.Random(7)
    truths = [0.9, 0.7, 0.4, 0.1]
    estimates = []
    for p in truths:
        correct = sum(rng.random() < p for _ in range(40))
        estimates.append(Reliability(correct, 40))
    means = [r.mean for r in estimates]
    assert means == sorted(means, reverse=True)
    for p, rel in zip(truths, estimates):
        lo, hi = rel.interval(0.99)
        assert lo < p < hi


def test_vote_weight_signs():
    k = 4
    assert vote_weight(Reliability(36, 40), k) > 1.0  # reliable: strong evidence for
    assert vote_weight(Reliability(0, 0, prior_a=1, prior_b=3), k) == pytest.approx(0.0, abs=1e-12)  # mean 1/4
    assert abs(vote_weight(Reliability(10, 40), k)) < 0.2  # measured near chance
    assert vote_weight(Reliability(1, 40), k) < -1.0  # adversarial: evidence against
    # Chance is 1/k: the same accuracy is worth more among more options.
    assert vote_weight(Reliability(5, 10), 2) == pytest.approx(0.0)
    assert vote_weight(Reliability(5, 10), 4) > 0


def test_vote_weight_is_clipped():
    huge = Reliability(10_000, 10_000)
    assert vote_weight(huge, 4) == pytest.approx(math.log(3 * 0.99 / 0.01))
    assert vote_weight(Reliability(0, 10_000), 4) == pytest.approx(math.log(3 * 0.01 / 0.99))
    with pytest.raises(ValueError):
        vote_weight(huge, 1)


def test_gold_rate_falls_as_answers_accumulate():
    rng = random.Random(3)
    rel = Reliability(0, 0)
    assert gold_rate(rel) == pytest.approx(0.3)
    rates = [gold_rate(rel)]
    for n in range(1, 201):
        rel = rel.answer(rng.random() < 0.8)
        if n % 20 == 0:
            rates.append(gold_rate(rel))
    assert all(a > b for a, b in zip(rates, rates[1:4]))  # falls while the estimate firms up
    assert all(a >= b for a, b in zip(rates, rates[1:]))
    assert rates[-1] == pytest.approx(0.05)  # floor reached once stderr <= 0.05
    assert 0.05 <= min(rates) and max(rates) <= 0.3
