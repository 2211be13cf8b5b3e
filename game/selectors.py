"""Reads: how features, records and explanations are fetched for pages and the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Case, F, Prefetch, QuerySet, Value, When

from calibration.human_score import aggregate as aggregate_human_score
from game.display import line_label, visible_marks
from game.hot_reads import (
    answered_simulations,
    explanation_rows,
    feature_by_ref,
    feature_in_play,
    records_shown,
)
from game.models import (
    ActivationRecord,
    Explanation,
    Feature,
    LanguageModel,
    Score,
    Vote,
)
from scoring.base import Record, ScoringInput

PLAYER_LIST_LIMIT = 200


def feature_get(*, model: str, source: str, index: int) -> Feature | None:
    """The feature with its source and model (every API route on a feature starts here)."""
    return feature_by_ref(model=model, source=source, index=index)


def _ordered(qs: QuerySet[ActivationRecord]) -> QuerySet[ActivationRecord]:
    kind_order = Case(
        When(kind=ActivationRecord.Kind.TOP, then=Value(0)),
        When(kind=ActivationRecord.Kind.QUANTILE, then=Value(1)),
        default=Value(2),
    )
    # Quantile bins from the highest down, so activations fall off as the reader scrolls.
    return qs.order_by(kind_order, F("quantile_bin").desc(nulls_last=True), "rank")


def clue_records(feature: Feature) -> QuerySet[ActivationRecord]:
    """What a puzzle shows: top and quantile records, never one that scores are computed on
    nor one kept unseen."""
    return _ordered(
        feature.records.filter(held_out=False, unseen=False,
                               kind__in=[ActivationRecord.Kind.TOP, ActivationRecord.Kind.QUANTILE])
    )


def clue_records_of(feature_ids: Iterable[int]) -> QuerySet[ActivationRecord]:
    """`clue_records` of many features in one query (in each feature's order)."""
    return _ordered(
        ActivationRecord.objects.filter(feature_id__in=list(feature_ids), held_out=False, unseen=False,
                                        kind__in=[ActivationRecord.Kind.TOP, ActivationRecord.Kind.QUANTILE])
    )


def scoring_input_for(explanation: Explanation) -> ScoringInput:
    """What a scorer sees: held-out top records plus random non-activating ones, 1:1 as far as
    both exist. Never the clues: a player could quote their peak tokens."""
    feature = explanation.feature
    model = feature.source.model
    records = list(feature.records.filter(held_out=True, kind=ActivationRecord.Kind.TOP).order_by("rank"))
    if not records:
        # Older packs without held-out records: the lowest top records are the least likely clues.
        records = list(feature.records.filter(kind=ActivationRecord.Kind.TOP).order_by("-rank")[:5])
    randoms = list(
        feature.records.filter(kind=ActivationRecord.Kind.RANDOM, unseen=False).order_by("rank")[: len(records)]
    )

    def as_record(r: ActivationRecord) -> Record:
        return Record(tokens=r.tokens(model), values=r.values())

    return ScoringInput(
        explanation=explanation.text,
        top_records=[as_record(r) for r in records],
        random_records=[as_record(r) for r in randoms],
        max_activation=feature.max_activation or None,
    )


def feature_records(feature: Feature, *, in_play: bool | None = None) -> QuerySet[ActivationRecord]:
    """The records researchers may see. While the feature is in play, the scoring records
    (held-out top records and random records) are withheld everywhere, so no one can read
    them and quote their peak tokens; once it leaves play they are published too."""
    if in_play is None:
        in_play = feature.in_play
    qs = feature.records.all()
    if in_play:
        qs = qs.filter(held_out=False, unseen=False).exclude(kind=ActivationRecord.Kind.RANDOM)
    return _ordered(qs)


def public_score_details(details: dict[str, Any], *, in_play: bool) -> dict[str, Any]:
    """Score details safe to show: while the feature is in play, only summary figures (no
    per-record predictions or truth, which describe the withheld records)."""
    if not isinstance(details, dict):
        return {}
    if not in_play:
        return details
    return {k: v for k, v in details.items() if k in {"n_top", "n_random", "note", "mode", "model"}}


def visible_explanations(feature: Feature) -> QuerySet[Explanation]:
    return (
        feature.explanations.filter(hidden=False)
        .exclude(status=Explanation.Status.DRAFT)
        .select_related("author")
        .order_by("-score_value", "-vote_count", "created")
    )


def record_payload(record: ActivationRecord, model: LanguageModel, *, tokens: list[str] | None = None) -> dict[str, Any]:
    return {
        "tokens": tokens if tokens is not None else record.tokens(model),
        "values": record.values(),
        "max_value": round(record.max_value, 4),
        "max_position": record.max_position,
        "kind": record.kind,
        "quantile_bin": record.quantile_bin,
        "duplicates": record.duplicates,
    }


def explanation_payload(explanation: Explanation) -> dict[str, Any]:
    return {
        "id": explanation.pk,
        "text": explanation.text,
        "author": explanation.author_name,
        "author_kind": explanation.author_kind,
        "status": explanation.status,
        "score": explanation.score_value,
        "score_stderr": explanation.score_stderr,
        "score_method": explanation.score_method or None,
        "score_version": explanation.score_version or None,
        "pack_version": explanation.score_pack_version or None,
        "votes": explanation.vote_count,
    }


def _explanations_with_measures(feature: Feature) -> list[dict[str, Any]]:
    """Visible explanations with what players measured of them: the human score (from
    simulation tasks) and the this-or-that rating."""
    from game.ratings import feature_ratings

    rows = explanation_rows(feature, drafts=False)
    human = human_scores([payload["id"] for payload, _, _ in rows])
    ratings = {r["explanation_id"]: r for r in feature_ratings(feature)}
    out = []
    for item, _, _ in rows:
        item["human_score"] = human[item["id"]]
        rating = ratings.get(item["id"])
        item["rating"] = None if rating is None or not rating["comparisons"] else {
            "value": rating["rating"], "stderr": rating["stderr"], "comparisons": rating["comparisons"]}
        out.append(item)
    return out


def feature_payload(feature: Feature) -> dict[str, Any]:
    model = feature.source.model
    in_play = feature_in_play(feature.pk)
    return {
        **feature.ref.as_dict(),
        "max_activation": round(feature.max_activation, 4),
        "frac_nonzero": feature.frac_nonzero,
        "in_play": in_play,
        "pack_version": feature.source.pack_version or None,
        "activations": [
            {**record_payload(r, model), "held_out": r.held_out} for r in records_shown(feature, in_play=in_play)
        ],
        "explanations": _explanations_with_measures(feature),
        "settled_explanation_id": feature.settled_explanation_id,
        "settled_reason": feature.settled_reason or None,
        "logits": {"promoted": feature.logits_promoted, "suppressed": feature.logits_suppressed},
        "logit_stats": {
            "std": feature.logit_std,
            "skewness": feature.logit_skewness,
            "kurtosis": feature.logit_kurtosis,
        },
        "histogram": feature.histogram,
        "neighbours": feature.neighbours,
    }


def _shaded(record: dict[str, Any], max_activation: float) -> dict[str, Any]:
    scale = max_activation if max_activation > 0 else max(record["values"], default=0) or 1.0
    # Visible marks for line breaks and control bytes keep each record on one line, as in the game.
    pairs = [
        (visible_marks(tok), (val, round(min(1.0, max(0.0, val / scale)), 3)))
        for tok, val in zip(record["tokens"], record["values"])
    ]
    return {**record, "pairs": pairs, "label": line_label(record["tokens"], record["values"])}


def feature_page_context(feature: Feature) -> dict[str, Any]:
    """What the researcher's feature page shows, shaded and ready for the template."""
    data = feature_payload(feature)
    mx = feature.max_activation
    records = [_shaded(r, mx) for r in data["activations"]]
    counts = data["histogram"].get("counts") or []
    edges = data["histogram"].get("edges") or []
    top = max(counts, default=0) or 1
    bars = [
        {"lo": edges[i], "hi": edges[i + 1], "count": c, "height": round(100 * c / top, 1)}
        for i, c in enumerate(counts)
        if i + 1 < len(edges)
    ]
    ref = feature.ref
    return {
        "feature": feature,
        "ref": ref,
        "data": data,
        "neighbour_links": [
            {"index": idx, "cosine": cos, "url": ref.sibling(idx).url()} for idx, cos in data["neighbours"]
        ],
        "top_records": [r for r in records if r["kind"] == ActivationRecord.Kind.TOP],
        "quantile_records": [r for r in records if r["kind"] == ActivationRecord.Kind.QUANTILE],
        "density_pct": 100 * feature.frac_nonzero,
        "histogram_bars": bars,
        "steer_strength": steer_strength_suggested(feature.max_activation),
        "uploader": _uploader(feature),
    }


def _uploader(feature: Feature) -> dict[str, Any] | None:
    """Who uploaded the feature's source (None for a pack's own), and whether it is in play yet."""
    if feature.source.uploaded_by_id is None:
        return None
    name = get_user_model().objects.filter(pk=feature.source.uploaded_by_id).values_list("username", flat=True).first()
    in_play = Feature.objects.in_play().filter(source_id=feature.source_id).exists()
    return {"username": name, "in_play": in_play}


# The steering form starts at this multiple of the feature's strongest activation: pushed only
# as hard as it ever fires, a feature rarely changes what a model writes.
STEER_SUGGESTED_MULTIPLE = 4


def steer_strength_suggested(max_activation: float) -> float:
    return round(STEER_SUGGESTED_MULTIPLE * max(max_activation, 0.0), 1) or 1.0


def explanation_search(query: str, *, limit: int = 50) -> list[Explanation]:
    """Visible explanations containing every word of `query`, best scored first."""
    qs = (
        Explanation.objects.filter(hidden=False).exclude(feature__planted__active=True)
        .select_related("author", "feature__source__model")
    )
    for word in query.split()[:10]:
        qs = qs.filter(text__icontains=word)
    return list(qs.order_by(F("score_value").desc(nulls_last=True), "-vote_count", "created")[:limit])


def player_explanations(user, *, limit: int = PLAYER_LIST_LIMIT) -> list[Explanation]:
    """A player's own explanations, newest first, each with `failure_reason`: the first line of
    why scoring failed (the rest is a traceback, not for players)."""
    failed_scores = Prefetch("scores", queryset=Score.objects.filter(status=Score.Status.FAILED), to_attr="failures")
    explanations = list(
        Explanation.objects.filter(author=user)
        .select_related("feature__source__model")
        .prefetch_related(failed_scores)
        .order_by("-created")[:limit]
    )
    for explanation in explanations:
        failure = explanation.failures[0] if explanation.failures else None
        explanation.failure_reason = (failure.error.splitlines() or [""])[0] if failure else ""
    return explanations


def player_votes(user, *, limit: int = PLAYER_LIST_LIMIT) -> QuerySet[Vote]:
    return (
        Vote.objects.filter(user=user)
        .select_related("explanation__feature__source__model")
        .order_by("-created")[:limit]
    )


def human_scores(explanation_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each explanation's human score (players' predictions from it, `game.services.simulation`):
    {value, stderr, players}, in one query."""
    per: dict[int, list[float | None]] = {i: [] for i in explanation_ids}
    for eid, corr in answered_simulations(explanation_ids):
        per[eid].append(corr)
    out = {}
    for eid, values in per.items():
        score = aggregate_human_score(values)
        out[eid] = {"value": None if score.value is None else round(score.value, 4),
                    "stderr": None if score.stderr is None else round(score.stderr, 4), "players": score.players}
    return out


def human_score_of(explanation: Explanation) -> dict[str, Any]:
    return human_scores([explanation.pk])[explanation.pk]


def site_progress(*, since) -> dict[str, int]:
    """What the front page tells strangers: the active campaign's features and how many are
    settled (explained), and players' explanations written and scored since `since`."""
    in_campaign = Feature.objects.in_play()
    players = Explanation.objects.filter(author__isnull=False, created__gte=since)
    return {
        "features": in_campaign.count(),
        "features_explained": in_campaign.filter(settled_explanation__isnull=False).count(),
        "written_this_week": players.count(),
        "scored_this_week": players.filter(status=Explanation.Status.SCORED).count(),
    }
