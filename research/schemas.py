"""Request and response schemas of test-your-text, search-all and steering (`shared/API.md`).

The checks that need no model run here, with messages that name the field; the token limit,
the sources a model has and the feature range are checked against the catalogue and the
engine (`research/services.py`, `inference_client/engine.py`).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import StrictInt, field_validator

from accounts.api_base import In, custom_error

MAX_RESULTS = 100
DEFAULT_RESULTS = 25
# Characters, checked before tokenizing: a cheap guard against huge bodies. The token limit is
# checked by the engine, which knows the tokenizer.
MAX_TEXT_CHARS = 20_000
# Steering: a prompt is the start of a text, not a document; the engine checks its tokens.
MAX_PROMPT_CHARS = 2_000
MAX_STEER_STRENGTH = 500.0
MAX_NEW_TOKENS = 64
DEFAULT_NEW_TOKENS = 32
MAX_SEED = 2**31 - 1


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_between(value: Any, field: str, low: int, high: int) -> Any:
    if not _is_int(value) or not low <= value <= high:
        raise custom_error(field, f"'{field}' must be an integer from {low} to {high}.")
    return value


def _name(value: Any, field: str) -> Any:
    if not isinstance(value, str) or not value.strip():
        raise custom_error(field, f"Give {field!r} as a non-empty string.")
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise custom_error("text", "Give the text to run as a string in 'text'.")
    if not value.strip():
        raise custom_error("text", "The text is empty; type something to test.")
    if len(value) > MAX_TEXT_CHARS:
        raise custom_error("text", f"The text is too long (over {MAX_TEXT_CHARS} characters).")
    return value


class FeatureIn(In):
    """A request about one feature: its model, source and index, each checked with a message
    that names the field."""

    model: str = Field(description="the model's slug")
    source: str = Field(description="a layer's neurons or an SAE, e.g. 0-res-sae")
    index: StrictInt = Field(ge=0, description="the feature's index")

    @field_validator("model", "source", mode="before")
    @classmethod
    def _names(cls, value: Any, info) -> Any:
        return _name(value, info.field_name)

    @field_validator("index", mode="before")
    @classmethod
    def _index(cls, value: Any) -> Any:
        if not _is_int(value) or value < 0:
            raise custom_error("index", "Give 'index' as a feature number (an integer, 0 or more).")
        return value


class ActivationIn(FeatureIn):
    text: str = Field(max_length=MAX_TEXT_CHARS, description="at most INFERENCE_MAX_TOKENS tokens (default 1,024)")

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _text(value)


class ActivationOut(Schema):
    tokens: list[str]
    values: list[float]
    max_value: float


class SearchAllIn(In):
    model: str = Field(description="the model's slug")
    text: str = Field(max_length=MAX_TEXT_CHARS, description="at most INFERENCE_MAX_TOKENS tokens (default 1,024)")
    sources: list[str] | None = Field(None, min_length=1, description="the sources to search (default: all)")
    sort_by_token_indexes: list[Annotated[StrictInt, Field(ge=0)]] | None = Field(
        None, description="rank by the activation summed over these token positions (default: the maximum)"
    )
    num_results: StrictInt = Field(DEFAULT_RESULTS, ge=1, le=MAX_RESULTS)

    @field_validator("model", mode="before")
    @classmethod
    def _model(cls, value: Any) -> Any:
        return _name(value, "model")

    @field_validator("text", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return _text(value)

    @field_validator("sources", mode="before")
    @classmethod
    def _sources(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or not value or not all(isinstance(s, str) and s for s in value):
            raise custom_error("sources", "Give 'sources' as a non-empty list of source names, or leave it out.")
        return list(dict.fromkeys(value))  # each source once

    @field_validator("sort_by_token_indexes", mode="before")
    @classmethod
    def _positions(cls, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, list) or not all(_is_int(i) and i >= 0 for i in value):
            raise custom_error("sort_by_token_indexes",
                               "Give 'sort_by_token_indexes' as a list of token positions (integers, 0 or more).")
        return sorted(set(value)) or None

    @field_validator("num_results", mode="before")
    @classmethod
    def _num_results(cls, value: Any) -> Any:
        return _int_between(value, "num_results", 1, MAX_RESULTS)


class SearchAllResult(Schema):
    source: str
    index: int
    max_value: float
    values: list[float]
    explanation: str | None = Field(description="the feature's best visible explanation")


class SearchAllOut(Schema):
    tokens: list[str]
    results: list[SearchAllResult]


class SteerIn(FeatureIn):
    prompt: str = Field(max_length=MAX_PROMPT_CHARS, description="the start of the text to continue")
    strength: float = Field(ge=-MAX_STEER_STRENGTH, le=MAX_STEER_STRENGTH,
                            description="how much harder the feature fires, in its activation's units (0: not at all)")
    seed: StrictInt = Field(0, ge=0, le=MAX_SEED, description="the sampling seed, shared by both texts")
    max_new_tokens: StrictInt = Field(DEFAULT_NEW_TOKENS, ge=1, le=MAX_NEW_TOKENS)

    @field_validator("prompt", mode="before")
    @classmethod
    def _prompt(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise custom_error("prompt", "Give the start of a text as a string in 'prompt'.")
        if not value.strip():
            raise custom_error("prompt", "The prompt is empty; type the start of a text.")
        if len(value) > MAX_PROMPT_CHARS:
            raise custom_error("prompt", f"The prompt is too long (over {MAX_PROMPT_CHARS} characters).")
        return value

    @field_validator("strength", mode="before")
    @classmethod
    def _strength(cls, value: Any) -> Any:
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
            raise custom_error("strength", "Give 'strength' as a number.")
        if abs(value) > MAX_STEER_STRENGTH:
            raise custom_error("strength", f"'strength' is from {-MAX_STEER_STRENGTH:g} to {MAX_STEER_STRENGTH:g}.")
        return float(value)

    @field_validator("seed", mode="before")
    @classmethod
    def _seed(cls, value: Any) -> Any:
        return _int_between(value, "seed", 0, MAX_SEED)

    @field_validator("max_new_tokens", mode="before")
    @classmethod
    def _new_tokens(cls, value: Any) -> Any:
        return _int_between(value, "max_new_tokens", 1, MAX_NEW_TOKENS)


class SteerOut(Schema):
    default: str = Field(description="the prompt's continuation as the model writes it")
    steered: str = Field(description="the continuation with the feature pushed by `strength`, from the same seed")
    default_tokens: list[str]
    steered_tokens: list[str]
    prompt_tokens: list[str]
    strength: float
    seed: int
