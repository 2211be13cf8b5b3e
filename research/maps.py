"""Reads for the map of a source's features: each feature's place (stored at import from the
pack's UMAP), its strongest activation and its best visible explanation."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from game.models import Explanation, Feature, Source
from game.services.errors import ServiceError


def source_map(model: str, source: str) -> dict[str, Any]:
    """{model, source, kind, features: [{index, x, y, max_activation, explanation}]}; ServiceError
    404 for an unknown source or one without a map. Check features in play are left out, as in
    search: their place would tell them apart."""
    found = Source.objects.published().select_related("model").filter(model__slug=model, slug=source).first()
    if found is None:
        raise ServiceError(f"Model {model} has no source {source!r}.", status=404)
    features = list(
        Feature.objects.filter(source=found, map_x__isnull=False).exclude(planted__active=True)
        .order_by("index").values_list("pk", "index", "map_x", "map_y", "max_activation")
    )
    if not features:
        raise ServiceError(f"{model}/{source} has no map yet: build it into the pack (manage.py build_maps) "
                           "and import the pack again.", status=404)
    best: dict[int, str] = {}
    rows = (Explanation.objects.filter(feature__source=found, hidden=False)
            .order_by("feature_id", F("score_value").desc(nulls_last=True), "-vote_count", "created")
            .values_list("feature_id", "text"))
    for feature_id, text in rows:
        best.setdefault(feature_id, text)
    return {
        "model": found.model.slug, "source": found.slug, "kind": found.get_kind_display(),
        "features": [{"index": index, "x": round(x, 4), "y": round(y, 4), "max_activation": round(peak, 3),
                      "explanation": best.get(pk)} for pk, index, x, y, peak in features],
    }
