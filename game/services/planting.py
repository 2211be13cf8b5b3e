"""Placing planted features (known rules, known answers) where players meet them as puzzles.

A planted feature takes the slot of a dead feature of one of the model's SAE sources: the slot
has no records and nothing to explain, and its reference looks like every other. The feature
gets the rule's records (clues, held-out scoring records and unseen ones, as a real feature
has), its true explanation and decoys written as the pack's baseline explainer writes, and
joins the active campaign; the puzzles serve it at each player's gold rate
(`game.puzzles`), never in the ordinary rotation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction

from game.clues import clues_forget
from game.models import (
    ActivationRecord,
    Campaign,
    Explanation,
    Feature,
    LanguageModel,
    PlantedFeature,
    Source,
)
from game.services.moderation import explicit_text_check
from pipeline.planted import Planted

PLANTED_SCORE_PRIORITY = 10  # as the pack's baselines: players' explanations are scored first
HISTOGRAM_BINS = 20


@dataclass
class PlantReport:
    placed: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    no_slot: list[str] = field(default_factory=list)
    scoring_jobs: int = 0


def dead_slots(model: LanguageModel) -> list[Feature]:
    """Features of the model's SAE sources that never fire (their records, if any, are all zero)
    and have no explanation, not planted yet; taken in turn from each source so that no one
    source holds all the gold."""
    by_source: list[list[Feature]] = []
    for source in Source.objects.filter(model=model, kind=Source.Kind.SAE).order_by("layer", "slug"):
        free = (
            Feature.objects.filter(source=source, planted__isnull=True, max_activation__lte=0, explanations__isnull=True)
            .exclude(records__max_value__gt=0)
            .select_related("source__model")
            .order_by("index")
        )
        by_source.append(list(free))
    slots: list[Feature] = []
    for i in range(max((len(s) for s in by_source), default=0)):
        slots.extend(s[i] for s in by_source if i < len(s))
    return slots


def baseline_author(model: LanguageModel) -> str:
    """The name the pack's explainer signs with, so planted explanations read like the others."""
    names = Counter(
        Explanation.objects.filter(feature__source__model=model, author__isnull=True)
        .exclude(author_model="")
        .values_list("author_model", flat=True)[:2000]
    )
    return names.most_common(1)[0][0] if names else "baseline"


def _histogram(values: np.ndarray) -> dict:
    fired = values[values > 0]
    if fired.size == 0:
        return {}
    counts, edges = np.histogram(fired, bins=HISTOGRAM_BINS)
    return {"edges": [round(float(x), 5) for x in edges], "counts": [int(x) for x in counts]}


def planted_place(planted: Sequence[Planted], *, model: LanguageModel, score: bool = True) -> PlantReport:
    """Place every planted feature not placed yet (by key) into a dead slot of `model`."""
    report = PlantReport()
    known = set(PlantedFeature.objects.filter(key__in=[p.key for p in planted]).values_list("key", flat=True))
    slots = iter(dead_slots(model))
    author = baseline_author(model)
    is_explicit = explicit_text_check()
    campaign = Campaign.objects.filter(active=True).first()
    placed_features: list[int] = []
    for item in planted:
        if item.key in known:
            report.already.append(item.key)
            continue
        slot = next(slots, None)
        if slot is None:
            report.no_slot.append(item.key)
            continue
        with transaction.atomic():
            _fill(slot, item, model=model, author=author, is_explicit=is_explicit)
            if campaign is not None:
                campaign.features.add(slot)
        placed_features.append(slot.pk)
        report.placed.append(item.key)
    if score and placed_features:
        report.scoring_jobs = _queue_scoring(placed_features)
    return report


def _fill(slot: Feature, item: Planted, *, model: LanguageModel, author: str, is_explicit) -> None:
    all_values = np.concatenate([r.values for r in item.records]) if item.records else np.zeros(0)
    slot.max_activation = float(item.max_activation)
    slot.frac_nonzero = float(item.frac_nonzero)
    slot.histogram = _histogram(all_values)
    slot.save(update_fields=["max_activation", "frac_nonzero", "histogram"])
    # A dead feature's own records are all zero: the planted rule's records replace them.
    slot.records.all().delete()
    clues_forget([slot.pk])
    rows = []
    for r in item.records:
        ids = np.ascontiguousarray(r.token_ids, dtype=np.int32)
        values = np.asarray(r.values, dtype=np.float32)
        pos, vals = ActivationRecord.encode_values(values)
        rows.append(
            ActivationRecord(
                feature=slot, kind=r.kind, rank=r.rank, quantile_bin=r.quantile_bin, token_ids=ids.tobytes(),
                nz_positions=pos, nz_values=vals, length=len(ids), max_value=float(values.max(initial=0.0)),
                max_position=int(values.argmax()) if len(values) else 0, duplicates=r.duplicates,
                held_out=r.held_out, unseen=r.unseen, explicit=is_explicit("".join(model.decode(ids))),
            )
        )
    ActivationRecord.objects.bulk_create(rows, batch_size=500)
    true = Explanation.objects.create(feature=slot, text=item.explanation, author_model=author)
    for decoy in item.decoys:
        Explanation.objects.create(feature=slot, text=decoy, author_model=author)
    PlantedFeature.objects.create(feature=slot, key=item.key, kind=item.kind, rule=item.rule, true_explanation=true)


def _queue_scoring(feature_ids: list[int]) -> int:
    from game.jobs import queue_scores
    from game.scoring_keys import current_key

    queued = 0
    for feature in Feature.objects.filter(pk__in=feature_ids).select_related("source"):
        ids = list(Explanation.objects.filter(feature=feature).values_list("id", flat=True))
        queued += queue_scores(ids, current_key(feature.source), priority=PLANTED_SCORE_PRIORITY)
    return queued
