"""The OpenAPI description served at /api/openapi.json. A test checks that its paths and
the URL configuration name the same routes, so the document cannot drift from the server."""

from __future__ import annotations

from typing import Any

from django.conf import settings

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict[str, Any] | None = None, description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def _errors(*codes: int) -> dict[str, Any]:
    text = {400: "Bad input", 401: "Not logged in", 403: "CSRF failure or forbidden", 404: "Not found",
            409: "Duplicate", 429: "Rate limited (see Retry-After)", 503: "Model not available"}
    return {str(c): _json(ERROR, text[c]) for c in codes}


def _op(summary: str, *, ok: dict | None = None, errors: tuple[int, ...] = (), body: dict | None = None,
        params: list | None = None, auth: bool = False, status: str = "200") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {status: ok or _json(), **_errors(*errors)}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if params:
        op["parameters"] = params
    if auth:
        op["security"] = [{"session": []}, {"bearer": []}]
    return op


def _path_param(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


FEATURE_PARAMS = [_path_param("model"), _path_param("source"), _path_param("index", "integer")]
OBJ = {"type": "object"}


def _props(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": props}


def openapi_document() -> dict[str, Any]:
    s, i, arr = {"type": "string"}, {"type": "integer"}, {"type": "array"}
    paths: dict[str, Any] = {
        "/api/feature/{model}/{source}/{index}": {"get": _op("A feature with records, explanations and logit lens", errors=(404,), params=FEATURE_PARAMS)},
        "/api/puzzle/next": {"get": _op("The next puzzle for this player (anonymous play allowed)")},
        "/api/puzzle/{puzzle_id}": {"get": _op("A puzzle already served to this player", errors=(404,), params=[_path_param("puzzle_id", "integer")])},
        "/api/puzzle/{puzzle_id}/skip": {"post": _op("Skip a puzzle (earns nothing)", errors=(404,), params=[_path_param("puzzle_id", "integer")])},
        "/api/puzzle/{puzzle_id}/flag": {"post": _op("Say none fit / polysemantic / explicit", errors=(400, 401, 404), auth=True,
                                                     params=[_path_param("puzzle_id", "integer")],
                                                     body=_props(["reason"], reason={"enum": ["none_fit", "polysemantic", "explicit"]}))},
        "/api/explanations": {"post": _op("Submit an explanation; queued for scoring, or a draft over the daily limit",
                                          status="201", ok=_json(_props(["id", "status"], id=i, status={"enum": ["queued", "draft", "scored"]}), "Created"),
                                          errors=(400, 401, 409, 429), auth=True,
                                          body=_props(["model", "source", "index", "text"], model=s, source=s, index=i,
                                                      text={"type": "string", "maxLength": settings.EXPLANATION_MAX_CHARS}))},
        "/api/explanations/{explanation_id}": {"get": _op("An explanation with its score", errors=(404,), params=[_path_param("explanation_id", "integer")])},
        "/api/explanations/{explanation_id}/vote": {
            "post": _op("Vote (idempotent)", errors=(400, 401, 404, 429), auth=True, params=[_path_param("explanation_id", "integer")]),
            "delete": _op("Take the vote back", errors=(401, 404, 429), auth=True, params=[_path_param("explanation_id", "integer")]),
        },
        "/api/explanations/{explanation_id}/report": {"post": _op("Report an explanation to the moderators", status="201",
                                                                  errors=(400, 401, 404, 429), auth=True,
                                                                  params=[_path_param("explanation_id", "integer")],
                                                                  body=_props(["reason"], reason={"enum": ["spam", "abuse", "explicit", "other"]}, note=s))},
        "/api/leaderboard": {"get": _op("Leaderboard", errors=(400,), params=[{"name": "period", "in": "query", "schema": {"enum": ["day", "week", "all"]}}])},
        "/api/me": {"get": _op("The logged-in player", errors=(401,), auth=True)},
        "/api/me/preferences": {"patch": _op("Change preferences", errors=(400, 401), auth=True, body=OBJ),
                                "post": _op("Change preferences (for clients without PATCH)", errors=(400, 401), auth=True, body=OBJ)},
        "/api/me/votes": {"get": _op("My votes", errors=(401,), auth=True)},
        "/api/me/tokens": {"get": _op("My API tokens", errors=(401,), auth=True),
                           "post": _op("Create an API token (shown once)", errors=(400, 401), auth=True, status="201")},
        "/api/me/tokens/{token_id}": {"delete": _op("Revoke an API token", errors=(401, 404), auth=True, params=[_path_param("token_id", "integer")])},
        "/api/activation/test": {"post": _op("One feature's activations on your text", errors=(400, 404, 429, 503),
                                             body=_props(["model", "source", "index", "text"], model=s, source=s, index=i, text=s))},
        "/api/search/all": {"post": _op("Rank all features by activation on your text", errors=(400, 404, 429, 503),
                                        body=_props(["model", "text"], model=s, text=s, sources=arr, sort_by_token_indexes=arr,
                                                    num_results={"type": "integer", "minimum": 1, "maximum": 100}))},
        "/api/search/explanations": {"get": _op("Explanations matching the text, best first", errors=(400, 429),
                                                params=[{"name": "q", "in": "query", "required": True, "schema": s}])},
        "/api/export/{model}/{source}.jsonl.gz": {"get": _op("Every feature of a source, gzip JSON lines", errors=(404, 429),
                                                              ok={"description": "gzip", "content": {"application/gzip": {}}},
                                                              params=[_path_param("model"), _path_param("source")])},
        "/api/openapi.json": {"get": _op("This document")},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{settings.SITE_NAME} API", "version": "1"},
        "paths": paths,
        "components": {
            "schemas": {"Error": _props(["error"], error={"type": "string"}, field={"type": "string"})},
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
