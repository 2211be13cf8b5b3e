from __future__ import annotations

import numpy as np

from scoring.pearson import pearson
from scoring.uncertainty import (
    auc_stderr,
    pearson_difference,
    pearson_stderr,
    score_difference,
)


def _records(rng, n_top=5, n_random=5, length=40, noise=1.0):
    truth, pred, kinds = [], [], []
    for i in range(n_top + n_random):
        t = np.zeros(length)
        if i < n_top:
            t[rng.integers(0, length, 3)] = rng.uniform(2, 10, 3)
        truth.append(t)
        pred.append(t + rng.normal(0, noise, length))
        kinds.append("top" if i < n_top else "random")
    return truth, pred, kinds


def test_stderr_grows_with_prediction_noise() -> None:
    rng = np.random.default_rng(1)
    truth, sharp, kinds = _records(rng, noise=0.5)
    rng = np.random.default_rng(1)
    _, blurry, _ = _records(rng, noise=4.0)
    se_sharp = pearson_stderr(truth, sharp, kinds)
    se_blurry = pearson_stderr(truth, blurry, kinds)
    assert se_sharp is not None and se_blurry is not None
    assert 0 < se_sharp < se_blurry < 0.5


def test_stderr_is_reproducible_and_resamples_within_kinds() -> None:
    rng = np.random.default_rng(2)
    truth, pred, kinds = _records(rng)
    assert pearson_stderr(truth, pred, kinds) == pearson_stderr(truth, pred, kinds)
    # One record per kind cannot be resampled into anything new: no spread at all.
    se = pearson_stderr(truth[:1] + truth[5:6], pred[:1] + pred[5:6], ["top", "random"])
    assert se is not None and se < 1e-9


def test_paired_difference_of_identical_predictions_is_exactly_zero() -> None:
    rng = np.random.default_rng(3)
    truth, pred, kinds = _records(rng)
    d = pearson_difference(truth, pred, pred, kinds)
    assert d is not None and d.value == 0 and d.stderr == 0


def test_paired_difference_is_tighter_than_two_independent_errors() -> None:
    rng = np.random.default_rng(4)
    truth, a, kinds = _records(rng, noise=2.0)
    b = [p + rng.normal(0, 0.3, p.size) for p in a]  # a slightly different explanation
    d = pearson_difference(truth, a, b, kinds)
    assert d is not None and d.paired
    full_a = pearson(np.concatenate(truth), np.concatenate(a)).value
    full_b = pearson(np.concatenate(truth), np.concatenate(b)).value
    assert abs(d.value - (full_a - full_b)) < 1e-9
    unpaired = np.hypot(pearson_stderr(truth, a, kinds), pearson_stderr(truth, b, kinds))
    assert d.stderr < unpaired / 2


def test_score_difference_pairs_only_scores_on_the_same_records() -> None:
    rng = np.random.default_rng(5)
    truth, a, kinds = _records(rng)
    details_a = {"records": [{"kind": k, "true": t.tolist(), "predicted": p.tolist()} for k, t, p in zip(kinds, truth, a)]}
    details_b = {"records": [{"kind": k, "true": t.tolist(), "predicted": (p + 0.1).tolist()} for k, t, p in zip(kinds, truth, a)]}
    paired = score_difference(details_a, 0.6, 0.05, details_b, 0.55, 0.05)
    assert paired.paired and abs(paired.value - 0.05) < 1e-12
    other_truth = {"records": [{"kind": k, "true": (t + 1).tolist(), "predicted": p.tolist()} for k, t, p in zip(kinds, truth, a)]}
    unpaired = score_difference(details_a, 0.6, 0.03, other_truth, 0.55, 0.04)
    assert not unpaired.paired and abs(unpaired.stderr - 0.05) < 1e-12
    assert score_difference({}, 0.6, None, {}, 0.5, None).stderr == 0.0


def test_auc_stderr() -> None:
    assert auc_stderr([0.9, 0.8], [True, False]) is None
    se = auc_stderr([0.9, 0.8, 0.7, 0.4, 0.3, 0.5], [True, True, True, False, False, False])
    assert se is not None and se >= 0
    mixed = auc_stderr([0.9, 0.3, 0.7, 0.4, 0.8, 0.5], [True, True, True, False, False, False])
    assert mixed > se
