"""A feature's clues as prepared JSON: decoded and encoded once per feature and pack version,
then sent as they are. Serving a puzzle is the hot path; the records behind its clues change
only when a pack is imported, a feature is planted or the explicit words change."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from game.models import ActivationRecord, Feature, LanguageModel, PreparedClues
from game.selectors import clue_records, record_payload

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
    return f"{CLUE_FORMAT}:{feature.source.pack_version}"


def prepare(feature: Feature) -> PreparedClues:
    """Build (or rebuild) the feature's prepared clues and store them."""
    model = feature.source.model
    records = list(clue_records(feature))
    shown = _members(records, model, hide_explicit=False)
    hidden = _members(records, model, hide_explicit=True) if any(r.explicit for r in records) else ""
    row = PreparedClues(feature=feature, version=clue_version(feature), shown=shown, hidden_explicit=hidden)
    # Two first readers may build at once: the second write wins with the same content.
    PreparedClues.objects.bulk_create(
        [row], update_conflicts=True, unique_fields=["feature"], update_fields=["version", "shown", "hidden_explicit"]
    )
    return row


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
