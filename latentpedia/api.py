"""The JSON API (`shared/API.md`): one NinjaAPI with a router per app (game, accounts, research),
the error shape every answer under /api/ has, and the OpenAPI document generated from the code
(`GET /api/openapi.json`).

Errors are always JSON `{"error": "<sentence>", "field"?: "<name>"}`: ninja's 422 validation
answers become 400 naming the field, service refusals keep their status and extra keys, unknown
paths are a 404 and wrong methods a 405 for any method, and nothing leaks an HTML page or a
traceback.
"""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.parser import Parser

from accounts.api import router as accounts_router
from accounts.api_auth import ANYONE
from accounts.api_base import ERROR_DESCRIPTIONS, ApiError, error_body, errors
from game.api import router as game_router
from game.api_modes import router as modes_router
from game.api_player import router as player_router
from game.services.errors import ServiceError
from inference_client.errors import InferenceError
from latentpedia.middleware import database_unavailable
from moderation.api import router as moderation_router
from research.api import router as research_router
from research.api_community import router as community_router
from research.api_map import router as map_router
from research.api_uploads import router as uploads_router

log = logging.getLogger(__name__)

PREFIX = "api/"  # where latentpedia/urls.py mounts the API
RETRY_AFTER = {"Retry-After": {"description": "Seconds until the rate-limit window resets", "required": True,
                               "schema": {"type": "string", "pattern": "^[0-9]+$"}}}


class NotAnObject(ValueError):
    pass


class JsonObjectParser(Parser):
    """Every request body is a JSON object (ninja turns what this raises into a 400, below)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise NotAnObject()
        return data


class Api(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict | None = None) -> Any:
        schema = super().get_openapi_schema(path_prefix="/" + PREFIX if path_prefix is None else path_prefix,
                                            path_params=path_params)
        return _finish_document(schema)


api = Api(
    title="Latentpedia API",
    version="1",
    description="Features of language models, explanations, scores, votes and live inference. "
                "Errors are JSON: {\"error\": \"...\", \"field\": \"...\"}. Authenticate with the session "
                "(CSRF on unsafe methods) or `Authorization: Bearer <token>` (tokens from the profile page).",
    urls_namespace="api",
    parser=JsonObjectParser(),
    openapi_url=None,  # served by the `openapi` route below, so the document lists itself
    docs_url=None,
)
api.add_router("", game_router)
api.add_router("", accounts_router)
api.add_router("", player_router)
api.add_router("", modes_router)
api.add_router("", research_router)
api.add_router("", community_router)
api.add_router("", map_router)
api.add_router("", uploads_router)
api.add_router("", moderation_router)


@api.get("/openapi.json", response={200: dict[str, Any], **errors(401)}, auth=ANYONE, url_name="api-openapi",
         tags=["meta"], summary="This document")
def openapi(request: HttpRequest) -> Any:
    return api.get_openapi_schema()


def _finish_document(schema: dict[str, Any]) -> dict[str, Any]:
    """What ninja leaves out: words for the error statuses, the 429's Retry-After header, and
    `{}` (no credentials) in the security of routes open to anyone."""
    for methods in schema["paths"].values():
        for operation in methods.values():
            for code, response in operation["responses"].items():
                if int(code) in ERROR_DESCRIPTIONS and int(code) >= 400:
                    response["description"] = ERROR_DESCRIPTIONS[int(code)]
                if int(code) == 429:
                    response["headers"] = RETRY_AFTER
            if "security" in operation:
                operation["security"] = [{} if "Anonymous" in s else s for s in operation["security"]]
    schema.get("components", {}).get("securitySchemes", {}).pop("Anonymous", None)
    schema.pop("servers", None)
    return schema


# --- Errors -------------------------------------------------------------------------------------


def _json(status: int, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse(error_body(message, **extra), status=status)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _json(exc.status_code, exc.message, field=exc.field, **exc.extra)


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return _json(exc.status, exc.message, **exc.extra)


@api.exception_handler(InferenceError)
def _inference_error(request: HttpRequest, exc: InferenceError) -> HttpResponse:
    return _json(exc.status, exc.message, field=exc.field)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    message, field = describe_validation_error(exc.errors[0])
    return _json(400, message, field=field)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if isinstance(exc, Throttled):
        message = f"Too many requests; try again in {exc.wait} seconds."
    elif isinstance(exc, AuthenticationError):
        message = "Log in to do this."
    elif isinstance(exc.__cause__, NotAnObject):  # ninja wraps what the parser raises
        message = "The request body must be a JSON object."
    elif exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = "The request body is not valid JSON."
    return _json(exc.status_code, message)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _json(404, str(exc) or "Not found.")


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    # An outage, not a bug: 503 with Retry-After (latentpedia/middleware.py).
    return database_unavailable(request, exc)


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return _json(500, "Something went wrong on our side; nothing was lost. Please try again.")


def describe_validation_error(error: dict[str, Any]) -> tuple[str, str | None]:
    """A sentence and the field at fault for one of pydantic's errors, as ninja reports it
    (`loc` is where: "body" then the body parameter's name, or "query"/"path", then the field)."""
    loc = list(error.get("loc", ()))
    where = loc.pop(0) if loc else None
    if where == "body" and loc:
        loc.pop(0)  # the body parameter's name, not a field the caller sent
    field = next((str(part) for part in loc if isinstance(part, str)), None)
    kind = error.get("type", "")
    if kind.startswith("lp_"):  # ours (`custom_error`): the message is meant for the caller
        return error["msg"], field
    if field is None:
        return ("The request body must be a JSON object." if where == "body" else error.get("msg", "Bad request.")), None
    if kind == "missing":
        return f"Missing field {field!r}.", field
    if kind == "extra_forbidden":
        return f"Unknown field {field!r}.", field
    msg = str(error.get("msg", "not valid"))
    return f"Invalid {field!r}: {msg[:1].lower()}{msg[1:]}.", field


# --- URLs ---------------------------------------------------------------------------------------


def _json_method_not_allowed(view):
    """Ninja answers a wrong method with a bare-text 405; say it in JSON, with Allow."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            answer = _json(405, f"Method {request.method} is not allowed here; use {allowed}.")
            answer["Allow"] = allowed
            return answer
        return response

    return wrapper


def urls() -> tuple[list[URLPattern], str, str]:
    """What `path(PREFIX, ...)` mounts: ninja's URL patterns, without its root view (so `/api/`
    is an unknown path like any other) and with JSON 405s."""
    patterns, app_name, namespace = api.urls
    kept = [
        URLPattern(p.pattern, _json_method_not_allowed(p.callback), p.default_args, p.name)
        for p in patterns
        if isinstance(p, URLPattern) and p.name != "api-root"
    ]
    return kept, app_name, namespace


@csrf_exempt  # an unknown route is a 404 whatever the method; CSRF would answer 403 in HTML
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    return _json(404, f"No API route {request.path}; see /api/openapi.json.")
