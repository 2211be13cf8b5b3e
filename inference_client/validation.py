"""Checks request bodies of the two inference calls, shared by the HTTP server and the API view
so both refuse the same inputs with the same messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from inference_client.errors import InferenceError

MAX_RESULTS = 100
DEFAULT_RESULTS = 25
# Characters, checked before tokenizing: a cheap guard against huge bodies. The token limit is
# checked by the engine, which knows the tokenizer.
MAX_TEXT_CHARS = 20_000


@dataclass(frozen=True)
class ActivationRequest:
    model: str
    source: str
    index: int
    text: str


@dataclass(frozen=True)
class SearchRequest:
    model: str
    text: str
    sources: list[str] | None
    sort_by_token_indexes: list[int] | None
    num_results: int


def _string(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InferenceError(f"Give {name!r} as a non-empty string.", field=name)
    return value


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(data: dict[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str):
        raise InferenceError("Give the text to run as a string in 'text'.", field="text")
    if not text.strip():
        raise InferenceError("The text is empty; type something to test.", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InferenceError(f"The text is too long (over {MAX_TEXT_CHARS} characters).", field="text")
    return text


def activation_request(data: Any) -> ActivationRequest:
    if not isinstance(data, dict):
        raise InferenceError("The request body must be a JSON object.")
    index = data.get("index")
    if not _int(index) or index < 0:
        raise InferenceError("Give 'index' as a feature number (an integer, 0 or more).", field="index")
    return ActivationRequest(
        model=_string(data, "model"), source=_string(data, "source"), index=index, text=_text(data)
    )


def search_request(data: Any) -> SearchRequest:
    if not isinstance(data, dict):
        raise InferenceError("The request body must be a JSON object.")
    sources = data.get("sources")
    if sources is not None:
        if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s for s in sources):
            raise InferenceError("Give 'sources' as a non-empty list of source names, or leave it out.", field="sources")
        sources = list(dict.fromkeys(sources))
    positions = data.get("sort_by_token_indexes")
    if positions is not None:
        if not isinstance(positions, list) or not all(_int(i) and i >= 0 for i in positions):
            raise InferenceError(
                "Give 'sort_by_token_indexes' as a list of token positions (integers, 0 or more).",
                field="sort_by_token_indexes",
            )
        positions = sorted(set(positions)) or None
    num = data.get("num_results", DEFAULT_RESULTS)
    if not _int(num) or not 1 <= num <= MAX_RESULTS:
        raise InferenceError(f"'num_results' must be an integer from 1 to {MAX_RESULTS}.", field="num_results")
    return SearchRequest(
        model=_string(data, "model"), text=_text(data), sources=sources, sort_by_token_indexes=positions,
        num_results=num,
    )
