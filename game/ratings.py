"""Reads: a feature's explanations rated from this-or-that picks (Bradley-Terry)."""

from __future__ import annotations

from calibration.bradley_terry import BTFit, fit_bradley_terry
from game.hot_reads import has_answered_comparisons
from game.models import Comparison, Explanation, Feature


def rated_options(feature: Feature) -> list[Explanation]:
    """The explanations a feature's best is chosen among (this-or-that pairs, the weighted
    consensus): visible and not drafts, oldest first."""
    return list(
        Explanation.objects.filter(feature=feature, hidden=False).exclude(status=Explanation.Status.DRAFT)
        .order_by("created", "pk")
    )


def fit_options(feature: Feature, options: list[Explanation]) -> BTFit:
    index = {e.pk: i for i, e in enumerate(options)}
    rows = Comparison.objects.filter(feature=feature, winner__isnull=False).values_list("left_id", "right_id", "winner_id")
    pairs = []
    for left, right, winner in rows:
        if left in index and right in index:
            loser = right if winner == left else left
            pairs.append((index[winner], index[loser]))
    return fit_bradley_terry(len(options), pairs)


def feature_ratings(feature: Feature) -> list[dict]:
    """Each option's rating (log-strength, 0 = average) with its standard error and comparisons;
    none before the first comparison (every rating would be the prior's)."""
    if not has_answered_comparisons(feature.pk):
        return []
    options = rated_options(feature)
    if not options:
        return []
    fit = fit_options(feature, options)
    return [
        {"explanation_id": e.pk, "rating": round(fit.ratings[i], 4), "stderr": round(fit.stderrs[i], 4),
         "comparisons": fit.counts[i]}
        for i, e in enumerate(options)
    ]
