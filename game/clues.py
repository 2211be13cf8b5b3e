"""A feature's clues as prepared JSON: decoded and encoded once per feature and pack version,
then sent as they are. Serving a puzzle is the hot path; the records behind its clues change
only when a pack is imported, a feature is planted or the explicit words change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from game.models import ActivationRecord, Feature, LanguageModel, PreparedClues, Source
from game.selectors import clue_records, clue_records_of, record_payload

# Raise when what a clue shows changes (fields, rounding): every prepared row is rebuilt on read.
CLUE_FORMAT = "1"


def clue_payload(record: ActivationRecord, model: LanguageModel, *, hide_explicit: bool) -> dict[str, Any]:
    # `explicit` was decided when the record was imported: nothing scans the text here.
    if hide_explicit and record.explicit:
        # The placeholder carries no tokens or values: nothing of the text leaks.
        return {
            "hidden_explicit": True,
            "kind": record.kind,
            "quantile_bin": record.quantile_bin,
            "max_value": round(record.max_value, 4),
        }
    return {**record_payload(record, model), "hidden_explicit": False}


def _members(records: list[ActivationRecord], model: LanguageModel, *, hide_explicit: bool) -> str:
    """`"clues": [...], "quantiles": [...]`, members to splice into a puzzle object."""
    clues = [clue_payload(r, model, hide_explicit=hide_explicit) for r in records if r.kind == ActivationRecord.Kind.TOP]
    quantiles = [
        clue_payload(r, model, hide_explicit=hide_explicit) for r in records if r.kind == ActivationRecord.Kind.QUANTILE
    ]
    body = json.dumps({"clues": clues, "quantiles": quantiles}, ensure_ascii=False, separators=(",", ":"))
    return body[1:-1]


def clue_version(feature: Feature) -> str:
    return clue_version_of(feature.source)


def clue_version_of(source: Source) -> str:
    return f"{CLUE_FORMAT}:{source.pack_version}"


def _row(feature: Feature, records: list[ActivationRecord]) -> PreparedClues:
    model = feature.source.model
    shown = _members(records, model, hide_explicit=False)
    hidden = _members(records, model, hide_explicit=True) if any(r.explicit for r in records) else ""
    return PreparedClues(feature=feature, version=clue_version(feature), shown=shown, hidden_explicit=hidden)


def _store(rows: list[PreparedClues]) -> None:
    # Two first readers may build the same row at once: the second write wins, with the same content.
    PreparedClues.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["feature"], update_fields=["version", "shown", "hidden_explicit"]
    )


def prepare(feature: Feature) -> PreparedClues:
    """Build (or rebuild) the feature's prepared clues and store them."""
    row = _row(feature, list(clue_records(feature)))
    _store([row])
    return row


def prepare_source(source: Source, *, batch: int = 200) -> int:
    """Prepare every feature of `source` whose clues are missing or stale, a batch of features
    (and one records query) at a time; returns how many were built."""
    features = Feature.objects.filter(source=source).select_related("source__model").defer(*Feature.DASHBOARD_FIELDS)
    current = set(
        PreparedClues.objects.filter(feature__source=source, version=clue_version_of(source))
        .values_list("feature_id", flat=True)
    )
    todo = [f for f in features.order_by("pk") if f.pk not in current]
    built = 0
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        by_feature: dict[int, list[ActivationRecord]] = {f.pk: [] for f in chunk}
        for r in clue_records_of(by_feature):
            by_feature[r.feature_id].append(r)
        _store([_row(f, by_feature[f.pk]) for f in chunk])
        built += len(chunk)
    return built


def clue_members(feature: Feature, *, hide_explicit: bool) -> str:
    """The feature's clues as JSON members (`"clues": [...], "quantiles": [...]`)."""
    try:
        row = feature.prepared_clues  # selected with the feature on the hot path; a query otherwise
    except PreparedClues.DoesNotExist:
        row = None
    if row is None or row.version != clue_version(feature):
        row = prepare(feature)
    if hide_explicit and row.hidden_explicit:
        return row.hidden_explicit
    return row.shown


def clues_forget(features: QuerySet[Feature] | Iterable[int]) -> None:
    """After records of these features (a queryset, or ids) changed under the same pack version."""
    if not isinstance(features, QuerySet):
        features = list(features)
    PreparedClues.objects.filter(feature__in=features).delete()
