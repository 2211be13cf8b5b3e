"""Bulk export of a source: every feature with its records and every explanation, score and
vote count, as gzip-compressed JSON lines, streamed so memory stays flat for large sources."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch

from game.models import ActivationRecord, Explanation, Feature, Score, Source

BATCH = 200


def _feature_line(feature: Feature, source: Source) -> dict[str, Any]:
    model = source.model
    return {
        "model": model.slug,
        "source": source.slug,
        "index": feature.index,
        "max_activation": feature.max_activation,
        "frac_nonzero": feature.frac_nonzero,
        "activations": [
            {"tokens": r.tokens(model), "values": r.values(), "max_value": r.max_value, "kind": r.kind,
             "quantile_bin": r.quantile_bin, "duplicates": r.duplicates, "held_out": r.held_out}
            for r in feature.records.all()
        ],
        "explanations": [
            {"id": e.pk, "text": e.text, "author": e.author_name, "author_kind": e.author_kind, "status": e.status,
             "score": e.score_value, "score_method": e.score_method or None, "votes": e.vote_count,
             "created": e.created.isoformat(),
             "scores": [{"method": s.method, "status": s.status, "value": s.value} for s in e.scores.all()]}
            for e in feature.explanations.all()
        ],
        "logits": {"promoted": feature.logits_promoted, "suppressed": feature.logits_suppressed},
    }


def export_lines(source: Source) -> Iterator[dict[str, Any]]:
    """One dict per feature. Hidden (moderated) explanations are left out; drafts are in,
    with their status, so nothing a player wrote is missing."""
    ids = list(Feature.objects.filter(source=source).order_by("index").values_list("id", flat=True))
    explanations = Explanation.objects.filter(hidden=False).select_related("author").prefetch_related(
        Prefetch("scores", queryset=Score.objects.order_by("method"))
    ).order_by("created")
    for start in range(0, len(ids), BATCH):
        batch = Feature.objects.filter(id__in=ids[start : start + BATCH]).order_by("index").prefetch_related(
            Prefetch("records", queryset=ActivationRecord.objects.order_by("kind", "quantile_bin", "rank")),
            Prefetch("explanations", queryset=explanations),
        )
        for feature in batch:
            yield _feature_line(feature, source)


def export_gzip_chunks(source: Source) -> Iterator[bytes]:
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    for line in export_lines(source):
        chunk = gz.compress((json.dumps(line, ensure_ascii=False) + "\n").encode())
        if chunk:
            yield chunk
    yield gz.flush()
