"""Error pages: JSON under /api/ (clients parse it), Django's usual pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"error": "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken, or use a Bearer token."},
            status=403,
        )
    return django_csrf_failure(request, reason)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": "Something went wrong on our side; nothing was lost. Please try again."}, status=500)
    return defaults.server_error(request)
