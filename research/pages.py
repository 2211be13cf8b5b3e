"""The research pages (HTML): search all features by text, and search explanations. The work
is done in the browser against the JSON API (`research/api.py`, `game/api.py`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from research import selectors


def search_page(request: HttpRequest) -> HttpResponse:
    return render(request, "research/search.html", {
        "data": selectors.search_config(),
        # base.html marks the current nav link with it.
        "nav": "search",
    })
