"""The player's own account over the API: preferences and API tokens (list, create with the raw
value shown once, revoke). A ninja Router mounted at /api/ by `latentpedia/api.py`; it reads
nothing of the game (routes that need game data, like `/api/me`, live in the game's router).

Token routes take the browser session only (`SESSION_ONLY`): a token cannot manage tokens."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, StrictBool

from accounts.api_auth import LOGGED_IN, SESSION_ONLY
from accounts.models import ApiToken
from accounts.profiles import preferences_update
from accounts.tokens import api_token_create, api_token_revoke
from accounts.api_base import ApiError, In, errors

router = Router(tags=["accounts"])


# --- Preferences --------------------------------------------------------------------------------


class PreferencesIn(In):
    """Only the preferences to change (`accounts.profiles.PREFERENCE_FIELDS`); unknown names are refused."""

    model_config = ConfigDict(extra="forbid")

    hide_explicit: StrictBool = None  # type: ignore[assignment]  (left out: unchanged)
    advanced_mode: StrictBool = None  # type: ignore[assignment]
    onboarded: StrictBool = None  # type: ignore[assignment]


class PreferencesOut(Schema):
    preferences: dict[str, bool]


def _preferences(request: HttpRequest, payload: PreferencesIn | None) -> dict[str, Any]:
    changes = payload.model_dump(exclude_unset=True) if payload is not None else {}
    try:
        profile = preferences_update(user=request.user, changes=changes)
    except ValueError as exc:
        message, name = exc.args
        raise ApiError(message, field=name) from None
    return {"preferences": profile.preferences()}


@router.patch("/me/preferences", response={200: PreferencesOut, **errors(400, 401, 403)}, auth=LOGGED_IN,
              url_name="api-me-preferences", summary="Change preferences")
def me_preferences(request: HttpRequest, payload: PreferencesIn | None = None) -> Any:
    return _preferences(request, payload)


@router.post("/me/preferences", response={200: PreferencesOut, **errors(400, 401, 403)}, auth=LOGGED_IN,
             url_name="api-me-preferences", summary="Change preferences (for clients without PATCH)")
def me_preferences_post(request: HttpRequest, payload: PreferencesIn | None = None) -> Any:
    return _preferences(request, payload)


# --- API tokens ---------------------------------------------------------------------------------


class TokenIn(In):
    name: str = Field("", description="a label for the token (100 characters are kept)")


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="the token's first characters, to recognise it")
    created: str
    last_used: str | None
    revoked: str | None


class TokenCreated(TokenOut):
    token: str = Field(description="the raw token: shown once, never stored")


class TokensOut(Schema):
    tokens: list[TokenOut]


class TokenRevoked(Schema):
    id: int
    revoked: bool


def token_payload(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "created": token.created.isoformat(),
        "last_used": token.last_used.isoformat() if token.last_used else None,
        "revoked": token.revoked.isoformat() if token.revoked else None,
    }


@router.get("/me/tokens", response={200: TokensOut, **errors(401, 403)}, auth=SESSION_ONLY,
            url_name="api-me-tokens", summary="My API tokens (browser session only)")
def tokens(request: HttpRequest) -> Any:
    return {"tokens": [token_payload(t) for t in request.user.api_tokens.all()]}


@router.post("/me/tokens", response={201: TokenCreated, **errors(400, 401, 403)}, auth=SESSION_ONLY,
             url_name="api-me-tokens", summary="Create an API token (shown once; browser session only)")
def token_create(request: HttpRequest, payload: TokenIn | None = None) -> Any:
    token, raw = api_token_create(user=request.user, name=payload.name if payload is not None else "")
    return Status(201, {**token_payload(token), "token": raw})


@router.delete("/me/tokens/{int:token_id}", response={200: TokenRevoked, **errors(400, 401, 403, 404)},
               auth=SESSION_ONLY, url_name="api-me-token", summary="Revoke an API token (browser session only)")
def token_revoke(request: HttpRequest, token_id: int) -> Any:
    if not api_token_revoke(user=request.user, token_id=token_id):
        raise ApiError("No such live token of yours.", status=404)
    return {"id": token_id, "revoked": True}
