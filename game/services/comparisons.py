"""This or that: two explanations of one feature side by side, the player picks the better.

Picks feed a Bradley-Terry rating of the feature's explanations (`calibration.bradley_terry`);
the next pair asked about is the one whose answer is least predictable, among pairs this
player has not judged. Comparing earns no points by itself: volume must not pay.
"""

from __future__ import annotations

import random

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from calibration.bradley_terry import next_pair
from game.models import ActivationRecord, Comparison, Explanation, Feature
from game.puzzles import candidate_features
from game.ratings import fit_options, rated_options
from game.selectors import clue_records
from game.services.errors import ServiceError

POOL = 30
CLUES_SHOWN = 5


def comparison_next(*, user, rng: random.Random | None = None) -> Comparison | None:
    """The player's open pair, or a new one on a feature in play with two or more explanations
    (fewest comparisons first), chosen where the rating is least certain."""
    rng = rng or random.Random()
    open_pair = Comparison.objects.filter(user=user, answered__isnull=True).select_related(
        "feature__source__model", "left", "right"
    ).first()
    if open_pair is not None:
        return open_pair
    visible = Q(explanations__hidden=False) & ~Q(explanations__status=Explanation.Status.DRAFT)
    features = list(
        candidate_features().annotate(n_options=Count("explanations", filter=visible, distinct=True))
        .filter(n_options__gte=2)
        .annotate(n_comparisons=Count("comparisons", distinct=True))
        .order_by("n_comparisons", "pk")[:POOL]
    )
    rng.shuffle(features)
    features.sort(key=lambda f: f.n_comparisons)
    for feature in features:
        options = [e for e in rated_options(feature) if e.author_id != user.pk]
        if len(options) < 2:
            continue
        done = set(Comparison.objects.filter(user=user, feature=feature).values_list("left_id", "right_id"))
        fit = fit_options(feature, options)
        n = len(options)
        # The most informative pair first; if this player judged it already, any pair they have not.
        best = next_pair(fit.ratings, fit.stderrs, fit.counts)
        for i, j in [best, *((a, b) for a in range(n) for b in range(a + 1, n))]:
            a, b = options[i], options[j]
            if (a.pk, b.pk) in done or (b.pk, a.pk) in done:
                continue
            left, right = (a, b) if rng.random() < 0.5 else (b, a)
            try:
                with transaction.atomic():
                    pair = Comparison.objects.create(user=user, feature=feature, left=left, right=right)
            except IntegrityError:
                break
            return Comparison.objects.select_related("feature__source__model", "left", "right").get(pk=pair.pk)
        # every pair of this feature is judged by this player: try the next feature
    return None


def pair_clues(feature: Feature) -> list[ActivationRecord]:
    """The clues shown with a pair: the feature's top clue records."""
    return [r for r in clue_records(feature) if r.kind == ActivationRecord.Kind.TOP][:CLUES_SHOWN]


def comparison_answer(*, user, comparison_id: int, winner_id: int) -> Comparison:
    pair = Comparison.objects.filter(pk=comparison_id, user=user).select_related("feature__source").first()
    if pair is None:
        raise ServiceError("No such comparison for this player.", status=404)
    if winner_id not in (pair.left_id, pair.right_id):
        raise ServiceError("The winner must be one of the two explanations shown.", field="winner")
    updated = Comparison.objects.filter(pk=pair.pk, answered__isnull=True).update(
        winner_id=winner_id, answered=timezone.now()
    )
    if not updated:
        raise ServiceError("This comparison is already answered.", status=409)
    pair.refresh_from_db()
    return pair
