"""Recording a player's answer on a gold (planted) puzzle."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from game.models import Explanation, GoldAnswer, PlantedFeature, PointsEvent

GOLD_CORRECT_POINTS = 2


def gold_answer_record(*, user, explanation: Explanation) -> GoldAnswer | None:
    """The player's first vote on a planted feature is their answer; later ones change nothing.
    None when the feature is not planted (or the answer was already recorded)."""
    planted = PlantedFeature.objects.filter(feature_id=explanation.feature_id).first()
    if planted is None:
        return None
    options = Explanation.objects.filter(feature_id=explanation.feature_id, hidden=False).count()
    try:
        with transaction.atomic():
            answer = GoldAnswer.objects.create(
                user=user, planted=planted, chosen=explanation, options=max(options, 2),
                correct=explanation.pk == planted.true_explanation_id,
            )
    except IntegrityError:
        return None
    if answer.correct:
        # Points for measured accuracy: a right answer where the answer is known.
        PointsEvent.objects.get_or_create(
            user=user, reason=PointsEvent.Reason.GOLD_CORRECT, explanation=explanation,
            defaults={"points": GOLD_CORRECT_POINTS, "feature_id": explanation.feature_id},
        )
    return answer
