import pytest

from scoring.metrics import balanced_accuracy, roc_auc


def test_auc_is_one_when_every_positive_ranks_above_every_negative() -> None:
    assert roc_auc([True, True, False, False], [0.9, 0.8, 0.1, 0.2]) == 1.0


def test_auc_counts_ties_as_half() -> None:
    assert roc_auc([True, False], [0.5, 0.5]) == 0.5


def test_auc_is_undefined_without_negatives() -> None:
    assert roc_auc([True, True], [0.3, 0.4]) is None


def test_balanced_accuracy_averages_the_two_recalls() -> None:
    # 2 of 2 positives found, 1 of 4 negatives rejected.
    labels = [True, True, False, False, False, False]
    predicted = [True, True, True, True, True, False]
    assert balanced_accuracy(labels, predicted) == pytest.approx((1.0 + 0.25) / 2)
