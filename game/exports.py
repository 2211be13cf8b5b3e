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


def _feature_line(feature: Feature, source: Source, *, in_play: bool) -> dict[str, Any]:
    model = source.model
    records = feature.records.all()
    if in_play:
        # The records its scores are computed on stay unpublished while it is played.
        records = [r for r in records if not r.held_out and not r.unseen and r.kind != ActivationRecord.Kind.RANDOM]
    return {
        **feature.ref.as_dict(),
        "max_activation": feature.max_activation,
        "frac_nonzero": feature.frac_nonzero,
        "in_play": in_play,
        "pack_version": source.pack_version or None,
        "scoring_records": "withheld while the feature is in play" if in_play else "included (held_out and random)",
        "unseen_records": "withheld while the feature is in play" if in_play else "included (unseen)",
        "activations": [
            {"tokens": r.tokens(model), "values": r.values(), "max_value": r.max_value, "kind": r.kind,
             "quantile_bin": r.quantile_bin, "duplicates": r.duplicates, "held_out": r.held_out,
             "unseen": r.unseen}
            for r in records
        ],
        "explanations": [
            {"id": e.pk, "text": e.text, "author": e.author_name, "author_kind": e.author_kind, "status": e.status,
             "score": e.score_value, "score_stderr": e.score_stderr, "score_method": e.score_method or None,
             "score_version": e.score_version or None, "pack_version": e.score_pack_version or None,
             "votes": e.vote_count, "created": e.created.isoformat(),
             "scores": [{"method": s.method, "version": s.version, "pack_version": s.pack_version or None,
                         "status": s.status, "value": s.value, "stderr": s.stderr} for s in e.scores.all()]}
            for e in feature.explanations.all()
        ],
        "logits": {"promoted": feature.logits_promoted, "suppressed": feature.logits_suppressed},
    }


def export_lines(source: Source) -> Iterator[dict[str, Any]]:
    """One dict per feature. Hidden (moderated) explanations are left out; drafts are in,
    with their status, so nothing a player wrote is missing."""
    ids = list(Feature.objects.filter(source=source).exclude(planted__active=True).order_by("index")
               .values_list("id", flat=True))
    in_play = set(Feature.objects.in_play().filter(source=source).values_list("id", flat=True))
    explanations = Explanation.objects.filter(hidden=False).select_related("author").prefetch_related(
        Prefetch("scores", queryset=Score.objects.order_by("method"))
    ).order_by("created")
    for start in range(0, len(ids), BATCH):
        batch = Feature.objects.filter(id__in=ids[start : start + BATCH]).order_by("index").prefetch_related(
            Prefetch("records", queryset=ActivationRecord.objects.order_by("kind", "quantile_bin", "rank")),
            Prefetch("explanations", queryset=explanations),
        )
        for feature in batch:
            # The source (and its model) are in hand: `feature.ref` then costs no query per feature.
            feature.source = source
            yield _feature_line(feature, source, in_play=feature.pk in in_play)


def export_gzip_chunks(source: Source) -> Iterator[bytes]:
    gz = zlib.compressobj(6, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    for line in export_lines(source):
        chunk = gz.compress((json.dumps(line, ensure_ascii=False) + "\n").encode())
        if chunk:
            yield chunk
    yield gz.flush()
