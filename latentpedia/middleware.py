"""A database that cannot be reached is an outage, not a bug in the request: the answer is a 503
that says to come back (`Retry-After`), JSON under /api/ and the site's 503 page elsewhere, never
a 500. Django reconnects on the next request, so the site recovers on its own once the database
is back (with CONN_HEALTH_CHECKS, a persistent connection the restart broke is replaced first).

Three ways an error reaches an answer, each covered: a view's (this middleware), the API's (its
exception handlers, latentpedia/api.py) and a middleware's own (the 500 handler, errors.py)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.deprecation import MiddlewareMixin

log = logging.getLogger(__name__)

# Connection refused or lost, server shutting down, "database is locked": the database could not
# serve this request now, and may well serve the next.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Long enough for a restart or a failover to finish, short enough that nobody gives up.
RETRY_AFTER_S = 5
MESSAGE = "The site's database is not answering right now; please try again in a few seconds."


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def database_unavailable(request: HttpRequest, exc: BaseException | None = None) -> HttpResponse:
    """The 503 for `request`. Rendered without the request's context processors: they read the
    session and the user, from the database that is down."""
    log.warning("database unavailable on %s %s: %s", request.method, request.path, exc)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": MESSAGE}, status=503)
    else:
        try:
            body = loader.get_template("503.html").render({"SITE_NAME": settings.SITE_NAME})
        except Exception:  # the page must not fail in turn
            log.exception("rendering 503.html failed")
            body = f"<!DOCTYPE html><title>Temporarily unavailable</title><h1>{MESSAGE}</h1>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_unavailable(exception):
            return database_unavailable(request, exception)
        return None
