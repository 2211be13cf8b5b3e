"""HTML pages for researchers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from game import selectors


def feature_page(request: HttpRequest, model: str, source: str, index: int) -> HttpResponse:
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        raise Http404(f"No feature {index} in {model}/{source}.")
    return render(request, "game/feature.html", selectors.feature_page_context(feature))
