"""What every API router shares (game, accounts and research import it; it imports no app): the
error body and its exception, the request-schema base (which refuses NUL characters) and the
documented error statuses. Who is calling is `accounts/api_auth.py`; the API itself is
`latentpedia/api.py`.

The error shape is the public contract (`shared/API.md`): `{"error": "<sentence>", "field"?: "<name>"}`
plus, for some errors, extra keys (a 409 duplicate carries `existing_id` and `near_duplicate`).
"""

from __future__ import annotations

from typing import Any

from ninja import Schema
from ninja.errors import HttpError
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

NUL_MESSAGE = "The text contains a NUL character (\\u0000), which is not allowed."


class ApiError(HttpError):
    """A refused request: answered as `{"error": message, "field": field, **extra}` with `status`."""

    def __init__(self, message: str, *, status: int = 400, field: str | None = None, **extra: Any) -> None:
        super().__init__(status, message)
        self.field = field
        self.extra = {k: v for k, v in extra.items() if v is not None}


def error_body(message: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, **{k: v for k, v in extra.items() if v is not None}}


class Error(Schema):
    """Every 4xx and 5xx answer under /api/."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"additionalProperties": True})

    error: str
    field: str | None = None


class Duplicate(Error):
    """409: the explanation already exists for this feature (exactly, or nearly)."""

    existing_id: int | None = None
    near_duplicate: bool | None = None


# What each error status means, for the generated OpenAPI document.
ERROR_DESCRIPTIONS = {
    400: "Bad input (the field at fault is named)",
    401: "Not logged in, or a bad API token",
    403: "CSRF check failed, or forbidden",
    404: "Not found",
    409: "Duplicate",
    413: "Request too large",
    429: "Rate limited (see Retry-After)",
    502: "The inference server failed",
    503: "The model is not available",
}


def errors(*codes: int) -> dict[int, type[Schema]]:
    """The `response=` entries of the error statuses a route can answer with."""
    return {code: Duplicate if code == 409 else Error for code in codes}


def _refuse_nul(value: Any) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise custom_error("nul", NUL_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _refuse_nul(item)


class In(Schema):
    """Base of every request schema (body or query): NUL characters have no meaning in any
    field, and PostgreSQL text cannot store them, so any string holding one is refused."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        _refuse_nul(value)
        return value


def custom_error(kind: str, message: str) -> PydanticCustomError:
    """A validation error whose message is shown to the caller as it is."""
    return PydanticCustomError(f"lp_{kind}", message)
