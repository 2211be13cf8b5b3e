import numpy as np
import pytest

from scoring.pearson import pearson


def test_perfect_predictions_score_one() -> None:
    truth = [0.0, 1.0, 3.0, 0.0, 7.5]
    result = pearson(truth, [2 * x + 1 for x in truth])
    assert result.status == "ok"
    assert result.value == pytest.approx(1.0)


def test_constant_predictions_are_undefined_not_zero() -> None:
    result = pearson([0.0, 1.0, 2.0], [4.0, 4.0, 4.0])
    assert result.status == "undefined"
    assert result.value is None


def test_constant_truth_is_undefined() -> None:
    result = pearson([0.0, 0.0, 0.0], [1.0, 2.0, 3.0])
    assert result.status == "undefined"
    assert result.value is None


def test_shuffled_predictions_score_about_zero() -> None:
    rng = np.random.default_rng(0)
    truth = rng.random(5000)
    result = pearson(truth, rng.permutation(truth))
    assert result.status == "ok"
    assert abs(result.value) < 0.05


def test_series_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        pearson([1.0, 2.0], [1.0, 2.0, 3.0])
