"""Classification metrics for the scorers that sort examples into firing / not firing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (ties count half); None when one class is missing."""
    y = np.asarray(labels, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = s[y], s[~y]
    if pos.size == 0 or neg.size == 0:
        return None
    # Mann-Whitney U through a comparison matrix: the sets here are tens of examples.
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (pos.size * neg.size))


def balanced_accuracy(labels: Sequence[bool], predicted: Sequence[bool]) -> float | None:
    """(TP/P + TN/N) / 2; None when one class is missing."""
    y = np.asarray(labels, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    tp = int((y & p).sum())
    tn = int((~y & ~p).sum())
    return (tp / n_pos + tn / n_neg) / 2
