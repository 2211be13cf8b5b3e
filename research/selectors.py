"""Reads for the research pages: what the search page offers to choose from."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from game.models import LanguageModel, Source
from research.schemas import DEFAULT_RESULTS, MAX_RESULTS, MAX_TEXT_CHARS


def search_config() -> dict[str, Any]:
    """The models that can be searched (those with at least one source), each with its
    sources, and the API's limits, for the search page's JSON config. Two queries."""
    sources = Prefetch("sources", queryset=Source.objects.published().order_by("layer", "slug"))
    models = (
        LanguageModel.objects.filter(sources__published=True).distinct()
        .order_by("name", "slug").prefetch_related(sources)
    )
    return {
        "models": [
            {
                "slug": m.slug,
                "name": m.name,
                "sources": [
                    {"slug": s.slug, "kind": s.get_kind_display(), "layer": s.layer, "width": s.width}
                    for s in m.sources.all()
                ],
            }
            for m in models
        ],
        "defaultResults": DEFAULT_RESULTS,
        "maxResults": MAX_RESULTS,
        "maxChars": MAX_TEXT_CHARS,
    }
