"""The public JSON API (`../shared/API.md`). Views stay thin: selectors read, services write."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from game import selectors


def error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


@require_GET
def feature_detail(request: HttpRequest, model: str, source: str, index: int) -> JsonResponse:
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        return error(f"No feature {index} in {model}/{source}.", 404)
    return JsonResponse(selectors.feature_payload(feature))
