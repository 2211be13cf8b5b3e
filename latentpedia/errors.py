"""Error pages: JSON under /api/ (clients parse it), the site's own pages elsewhere
(`templates/404.html`, `templates/500.html`, in the base layout)."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.csrf import csrf_failure as django_csrf_failure

from latentpedia.middleware import database_unavailable, is_database_unavailable


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"error": "CSRF check failed: send the csrftoken cookie's value in X-CSRFToken, or use a Bearer token."},
            status=403,
        )
    return django_csrf_failure(request, reason)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"error": "Not found."}, status=404)
    # Django's view: templates/404.html with the request's context; the exception's text is
    # not shown (it can name URL patterns).
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # An unreachable database raised outside a view (a middleware's own query) is still an
    # outage to come back from, not a bug.
    failure = sys.exception()
    if is_database_unavailable(failure):
        return database_unavailable(request, failure)
    if _is_api(request):
        return JsonResponse({"error": "Something went wrong on our side; nothing was lost. Please try again."}, status=500)
    # Rendered without the request's context processors (the session or the database may be
    # what failed), so only what the layout can show without them.
    try:
        body = loader.get_template("500.html").render({"SITE_NAME": settings.SITE_NAME})
    except Exception:  # the page must not fail in turn
        logging.getLogger(__name__).exception("rendering 500.html failed")
        body = "<!DOCTYPE html><title>Server error</title><h1>Something went wrong on our side</h1>"
    return HttpResponseServerError(body)
