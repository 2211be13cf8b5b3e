"""Human simulation: players predict where a feature fires from its explanation alone.

A task shows one explanation (never the clues) and a few of the feature's *unseen* snippets
(records kept from clues and scoring), some where it fires and some where it does not, in
random order. The player marks the tokens they predict it fires on; the marks are scored as a
simulator's predictions are (correlation per token over all snippets, and balanced accuracy
per snippet), and the explanation's **human score** is the mean over players. Points follow
how well the player predicted, not how many tasks they did.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from calibration.human_score import snippet_balanced_accuracy, token_correlation
from game.models import ActivationRecord, Explanation, PointsEvent, SimulationTask
from game.puzzles import candidate_features
from game.services.errors import ServiceError

FIRING_SNIPPETS = 3
QUIET_SNIPPETS = 3
# A snippet "fires" when its peak reaches this share of the feature's maximum: smaller
# activations in a random window are noise a reader cannot be asked to predict.
FIRING_SHARE = 0.25
SIMULATION_MAX_POINTS = 5
POOL = 50


def fires(record: ActivationRecord, max_activation: float) -> bool:
    """Whether a snippet counts as one where the feature fires."""
    return record.max_value >= FIRING_SHARE * max_activation


def _snippets(explanation: Explanation, rng: random.Random) -> list[ActivationRecord]:
    feature = explanation.feature
    unseen = list(ActivationRecord.objects.filter(feature=feature, unseen=True).order_by("kind", "rank"))
    firing = [r for r in unseen if fires(r, feature.max_activation)]
    quiet = [r for r in unseen if not fires(r, feature.max_activation)]
    if not firing or not quiet:
        return []
    chosen = rng.sample(firing, min(FIRING_SNIPPETS, len(firing))) + rng.sample(quiet, min(QUIET_SNIPPETS, len(quiet)))
    rng.shuffle(chosen)
    return chosen


def simulation_next(*, user, rng: random.Random | None = None) -> SimulationTask | None:
    """A new task for the player: the explanation fewest players have simulated yet (scored,
    visible, not theirs, not simulated by them), on a feature in play with unseen snippets of
    both kinds. None when there is nothing left to simulate."""
    rng = rng or random.Random()
    open_task = SimulationTask.objects.filter(user=user, answered__isnull=True).select_related("explanation").first()
    if open_task is not None:
        return open_task
    pool = list(
        Explanation.objects.filter(feature__in=candidate_features(planted=None).values("pk"), hidden=False, status=Explanation.Status.SCORED)
        .exclude(author=user).exclude(simulations__user=user)
        .annotate(n=Count("simulations")).order_by("n", "pk")
        .select_related("feature")[:POOL]
    )
    rng.shuffle(pool)
    pool.sort(key=lambda e: e.n)
    for explanation in pool:
        records = _snippets(explanation, rng)
        if records:
            try:
                with transaction.atomic():
                    return SimulationTask.objects.create(
                        user=user, explanation=explanation, record_ids=[r.pk for r in records]
                    )
            except IntegrityError:  # a parallel request made it first
                continue
    return None


def task_records(task: SimulationTask) -> list[ActivationRecord]:
    by_id = ActivationRecord.objects.select_related("feature__source__model").in_bulk(task.record_ids)
    return [by_id[i] for i in task.record_ids if i in by_id]


def _validate(marks: Sequence[Sequence[int]], records: list[ActivationRecord]) -> list[list[bool]]:
    if len(marks) != len(records):
        raise ServiceError(f"Send one list of marked token positions per snippet ({len(records)} snippets).",
                           field="marks")
    out = []
    for k, (positions, record) in enumerate(zip(marks, records)):
        flags = [False] * record.length
        for p in positions:
            if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < record.length:
                raise ServiceError(f"Snippet {k + 1} has tokens 0 to {record.length - 1}; {p!r} is not one of them.",
                                   field="marks")
            flags[p] = True
        out.append(flags)
    return out


@dataclass(frozen=True)
class SimulationOutcome:
    task: SimulationTask
    fired: list[bool]  # per snippet, whether the feature fires on it
    points: int


def simulation_answer(*, user, task_id: int, marks: Sequence[Sequence[int]]) -> SimulationOutcome:
    """Score the player's marks (once: answering again is refused with 409)."""
    task = SimulationTask.objects.filter(pk=task_id, user=user).select_related("explanation__feature").first()
    if task is None:
        raise ServiceError("No such simulation task for this player.", status=404)
    if task.answered is not None:
        raise ServiceError("This task is already answered.", status=409)
    records = task_records(task)
    flags = _validate(marks, records)
    values = [r.values() for r in records]
    fired = [fires(r, task.explanation.feature.max_activation) for r in records]
    corr = token_correlation(flags, values)
    bacc = snippet_balanced_accuracy([any(f) for f in flags], fired)
    with transaction.atomic():
        updated = SimulationTask.objects.filter(pk=task.pk, answered__isnull=True).update(
            marks=[list(m) for m in marks], token_correlation=corr, balanced_accuracy=bacc, answered=timezone.now()
        )
        if not updated:
            raise ServiceError("This task is already answered.", status=409)
        earned = round(SIMULATION_MAX_POINTS * max(0.0, corr or 0.0))
        if earned > 0:
            PointsEvent.objects.get_or_create(
                user=user, reason=PointsEvent.Reason.SIMULATION, explanation=task.explanation,
                defaults={"points": earned, "feature": task.explanation.feature},
            )
    task.refresh_from_db()
    return SimulationOutcome(task=task, fired=fired, points=earned)
