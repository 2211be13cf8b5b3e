"""The research pages (HTML): search (all features by text, and explanations; the work is done
in the browser against the JSON API), a list, a player's page and the recent activity."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from game.models import LanguageModel, Source
from game.services.errors import ServiceError
from research import community, lists, selectors


def search_page(request: HttpRequest) -> HttpResponse:
    return render(request, "research/search.html", {
        "data": selectors.search_config(),
        # base.html marks the current nav link with it.
        "nav": "search",
    })


def activity_page(request: HttpRequest) -> HttpResponse:
    return render(request, "research/activity.html", {"entries": community.recent_activity(), "nav": "activity"})


def list_page(request: HttpRequest, list_id: int) -> HttpResponse:
    try:
        found = lists.list_get(list_id, viewer=request.user)
    except ServiceError as exc:
        raise Http404(exc.message) from None
    data = community.list_payload(found)
    return render(request, "research/list.html", {"list": data, "own": found.owner_id == request.user.pk})


def player_page(request: HttpRequest, username: str) -> HttpResponse:
    try:
        user = community.player_named(username)
    except ServiceError as exc:
        raise Http404(exc.message) from None
    return render(request, "research/player.html", {
        **community.player_page(user, viewer=request.user),
        "activity": community.recent_activity(user=user, limit=20),
    })


def map_page(request: HttpRequest, model: str, source: str) -> HttpResponse:
    """The map is drawn in the browser from `GET /api/map/...`; the page only names the source."""
    found = Source.objects.published().select_related("model").filter(model__slug=model, slug=source).first()
    if found is None:
        raise Http404(f"Model {model} has no source {source!r}.")
    return render(request, "research/map.html", {"source": found})


def upload_page(request: HttpRequest) -> HttpResponse:
    """The upload form and the visitor's uploads; the form posts to `POST /api/sources/upload`."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    from django.conf import settings

    from research import uploads

    models = [m for m in LanguageModel.objects.order_by("name") if m.pack_path]
    return render(request, "research/upload.html", {
        "models": models, "uploads": [uploads.upload_payload(u) for u in uploads.uploads_of(request.user)],
        "max_mb": settings.SAE_UPLOAD_MAX_BYTES // (1024 * 1024), "daily": settings.SAE_UPLOAD_USER_DAILY,
    })
