"""`GET /api/map/{model}/{source}`: the map of a source's features (`research.maps`). A ninja
Router mounted at /api/ by `latentpedia/api.py`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema

from accounts.api_auth import ANYONE
from accounts.api_base import errors
from game.api_support import sent_as_is
from research import maps

router = Router(tags=["research"])
SLUG = r"^[-a-zA-Z0-9_]+$"


class MapPoint(Schema):
    index: int
    x: float
    y: float
    max_activation: float
    explanation: str | None


class MapOut(Schema):
    model: str
    source: str
    kind: str
    features: list[MapPoint]


@router.get("/map/{slug:model}/{slug:source}", response={200: MapOut, **errors(404)}, auth=ANYONE,
            url_name="api-map", summary="Where each feature of a source sits on its UMAP map, with its explanation")
def source_map(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG)) -> Any:
    # Thousands of points: sent as built (the schema above documents it; tests compare).
    return sent_as_is(maps.source_map(model, source))
