"""A feature's clues as prepared JSON: decoded and encoded once per feature and pack version,
then sent as they are. Serving a puzzle is the hot path; the records behind its clues change
only when a pack is imported, a feature is planted or the explicit words change."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from game.models import ActivationRecord, Feature, LanguageModel, PreparedClues, Source
from game.selectors import clue_records, clue_records_of, record_payload

# Raise when what a clue shows changes (fields, rounding, which records are chosen): every
# prepared row is rebuilt on read. 2: near-identical windows folded, weaker examples distinct.
CLUE_FORMAT = "2"

# Two windows are the same snippet to a reader when the text this far either side of their
# peaks matches; the pipeline only folds byte-identical windows, so shifted copies of one
# passage reached the page twice.
NEAR_TOKENS = 8
# A "weaker" example this close to the strongest clue teaches nothing the top clues do not.
WEAKER_CEILING = 0.9

_SPACE = re.compile(r"\s+")


def window_key(tokens: list[str], peak: int) -> str:
    """The text around the peak, without whitespace or case: equal keys read as one snippet."""
    lo = max(0, peak - NEAR_TOKENS)
    return _SPACE.sub("", "".join(tokens[lo:peak + NEAR_TOKENS + 1])).lower()


@dataclass
class ChosenClue:
    record: ActivationRecord
    tokens: list[str]
    key: str
    similar: list[ChosenClue] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Windows this clue stands for: the pipeline's count plus each folded record with its own."""
        return self.record.duplicates + sum(1 + s.record.duplicates for s in self.similar)


def _fold(items: list[ChosenClue]) -> list[ChosenClue]:
    """One clue per snippet, in the order the snippets first appear; the strongest window
    stands for the others, which travel with it so a player can still open them."""
    groups: dict[str, list[ChosenClue]] = {}
    for item in items:
        groups.setdefault(item.key, []).append(item)
    kept = []
    for members in groups.values():
        best = max(members, key=lambda m: m.record.max_value)  # the first of equals: the better rank
        best.similar = [m for m in members if m is not best]
        kept.append(best)
    return kept


def choose_clues(records: Iterable[ActivationRecord], model: LanguageModel) -> tuple[list[ChosenClue], list[ChosenClue]]:
    """(top clues, weaker examples) from `clue_records` order: near-identical windows folded;
    weaker examples strongest first, none repeating a top clue's snippet and none nearly as
    strong as the strongest clue (a "weaker" example at 99 % of it misleads)."""
    items = []
    for r in records:
        tokens = r.tokens(model)
        items.append(ChosenClue(r, tokens, window_key(tokens, r.max_position)))
    tops = _fold([i for i in items if i.record.kind == ActivationRecord.Kind.TOP])
    strongest = max((t.record.max_value for t in tops), default=0.0)
    top_keys = {t.key for t in tops}
    weaker = [
        i for i in items
        if i.record.kind == ActivationRecord.Kind.QUANTILE and i.key not in top_keys
        and not (strongest > 0 and i.record.max_value >= WEAKER_CEILING * strongest)
    ]
    return tops, sorted(_fold(weaker), key=lambda q: -q.record.max_value)


def _similar_payload(clue: ChosenClue) -> dict[str, Any]:
    r = clue.record
    return {"tokens": clue.tokens, "values": r.values(), "max_value": round(r.max_value, 4),
            "max_position": r.max_position}


def clue_payload(clue: ChosenClue, model: LanguageModel, *, hide_explicit: bool) -> dict[str, Any]:
    record = clue.record
    # `explicit` was decided when the record was imported: nothing scans the text here.
    if hide_explicit and record.explicit:
        # The placeholder carries no tokens or values: nothing of the text leaks.
        return {
            "hidden_explicit": True,
            "kind": record.kind,
            "quantile_bin": record.quantile_bin,
            "max_value": round(record.max_value, 4),
        }
    # A folded window may be explicit where the kept one is not: it still counts, unshown.
    similar = [s for s in clue.similar if not (hide_explicit and s.record.explicit)]
    return {
        **record_payload(record, model, tokens=clue.tokens),
        "duplicates": clue.duplicates,
        "hidden_explicit": False,
        "similar": [_similar_payload(s) for s in similar],
    }


def _members(chosen: tuple[list[ChosenClue], list[ChosenClue]], model: LanguageModel, *, hide_explicit: bool) -> str:
    """`"clues": [...], "quantiles": [...]`, members to splice into a puzzle object."""
    tops, weaker = chosen
    clues = [clue_payload(c, model, hide_explicit=hide_explicit) for c in tops]
    quantiles = [clue_payload(c, model, hide_explicit=hide_explicit) for c in weaker]
    body = json.dumps({"clues": clues, "quantiles": quantiles}, ensure_ascii=False, separators=(",", ":"))
    return body[1:-1]


def clue_version(feature: Feature) -> str:
    return clue_version_of(feature.source)


def clue_version_of(source: Source) -> str:
    return f"{CLUE_FORMAT}:{source.pack_version}"


def _row(feature: Feature, records: list[ActivationRecord]) -> PreparedClues:
    model = feature.source.model
    chosen = choose_clues(records, model)
    shown = _members(chosen, model, hide_explicit=False)
    hidden = _members(chosen, model, hide_explicit=True) if any(r.explicit for r in records) else ""
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
