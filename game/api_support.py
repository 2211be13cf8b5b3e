"""What every API view needs: JSON errors (never an HTML page or a bare 500), session or
Bearer authentication, CSRF on unsafe methods for session callers, JSON bodies, rate limits."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from accounts.tokens import api_token_user
from game.services.errors import ServiceError
from game.services.ratelimit import rate_limit_hit

log = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class BadRequest(Exception):
    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.field, self.status = message, field, status


def error(message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": message, **{k: v for k, v in extra.items() if v is not None}}, status=status)


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; BadRequest for anything else."""
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    _refuse_nul(data)
    return data


def _refuse_nul(value: Any, field: str | None = None) -> None:
    """NUL characters have no meaning in any field, and PostgreSQL text cannot store them."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BadRequest("The text contains a NUL character (\\u0000), which is not allowed.", field=field)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(item, field=str(key))
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item, field=field)


def client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is trusted only behind a proxy that sets it.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _csrf_failure(request: HttpRequest) -> HttpResponse | None:
    check = CsrfViewMiddleware(lambda r: HttpResponse())
    check.process_request(request)
    return check.process_view(request, None, (), {})


def _authenticate(request: HttpRequest, *, csrf: bool = True) -> HttpResponse | None:
    """Bearer token replaces the session user; returns an error response or None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    request.api_token_auth = False
    if header:
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != "bearer" or not raw.strip():
            return error("Use 'Authorization: Bearer <token>'.", 401)
        user = api_token_user(raw.strip())
        if user is None:
            return error("This API token is not valid or was revoked.", 401)
        request.user = user
        request.api_token_auth = True
        return None
    if csrf and request.method not in SAFE_METHODS:
        failure = _csrf_failure(request)
        if failure is not None:
            return error("CSRF check failed: send the csrftoken cookie's value in X-CSRFToken.", 403)
    return None


def api_view(
    *methods: str, login: bool = False, rate: tuple[str, ...] = (), csrf: bool = True
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate an API view: allowed methods, auth (`login=True`: 401 when anonymous, or a
    dict of method -> bool), rate-limit scopes (`"vote"` checks `vote:user` and `vote:ip`).
    `csrf=False` only for views that change nothing, so scripts may POST without a token."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @csrf_exempt  # checked in _authenticate, only where a session is used
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    response = error(f"Method {request.method} is not allowed here; use {', '.join(methods)}.", 405)
                    response["Allow"] = ", ".join(methods)
                    return response
                failure = _authenticate(request, csrf=csrf)
                if failure is not None:
                    return failure
                for name, values in request.GET.lists():
                    _refuse_nul(values, field=name)
                needs_login = login.get(request.method, False) if isinstance(login, dict) else login
                if needs_login and not request.user.is_authenticated:
                    return error("Log in to do this.", 401)
                for scope in rate:
                    keys = [("ip", client_ip(request))]
                    if request.user.is_authenticated:
                        keys.insert(0, ("user", str(request.user.pk)))
                    for kind, key in keys:
                        wait = rate_limit_hit(f"{scope}:{kind}", key)
                        if wait:
                            response = error(f"Too many requests; try again in {wait} seconds.", 429)
                            response["Retry-After"] = str(wait)
                            return response
                return view(request, *args, **kwargs)
            except ServiceError as exc:
                return error(exc.message, exc.status, **exc.extra)
            except BadRequest as exc:
                return error(exc.message, exc.status, field=exc.field)
            except Http404 as exc:
                return error(str(exc) or "Not found.", 404)
            except Exception:
                log.exception("API error on %s %s", request.method, request.path)
                return error("Something went wrong on our side; nothing was lost. Please try again.", 500)

        return wrapper

    return decorate


@csrf_exempt  # an unknown route is a 404 whatever the method; CSRF would answer 403 in HTML
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return error(f"No API route {request.path}; see /api/openapi.json.", 404)


__all__ = ["AnonymousUser", "BadRequest", "api_view", "error", "json_body", "not_found"]
