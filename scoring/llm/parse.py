"""Reading numbers out of model replies, with or without token probabilities."""

from __future__ import annotations

import json
import math
import re
from typing import Any

from scoring.llm.client import MalformedReply, TokenLogprobs

_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def extract_json(text: str) -> Any:
    """The JSON value in a reply, tolerating code fences and chatter around one object."""
    cleaned = _FENCE.sub("", text.strip())
    try:
        return json.loads(cleaned)
    except json.JSONDecodeError:
        pass
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start >= 0 and end > start:
        try:
            return json.loads(cleaned[start : end + 1])
        except json.JSONDecodeError:
            pass
    raise MalformedReply(f"the reply is not JSON: {text[:80]!r}")


def number_list(value: Any, length: int, *, lo: float, hi: float, what: str) -> list[float]:
    """A list of `length` finite numbers, clipped to lo..hi."""
    if not isinstance(value, list):
        raise MalformedReply(f"{what} is not a list")
    if len(value) != length:
        raise MalformedReply(f"{what} has {len(value)} numbers, expected {length}")
    out = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise MalformedReply(f"{what} contains {v!r}, not a number")
        out.append(min(hi, max(lo, float(v))))
    return out


def expected_value(alternatives: dict[str, float], allowed: range) -> float | None:
    """Probability-weighted mean of the integer tokens among the top alternatives,
    renormalised over those; None when none of them is a number in range."""
    weights: dict[int, float] = {}
    for token, logprob in alternatives.items():
        t = token.strip()
        if t.isdigit() and int(t) in allowed:
            weights[int(t)] = weights.get(int(t), 0.0) + math.exp(logprob)
    total = sum(weights.values())
    if total <= 0:
        return None
    return sum(k * w for k, w in weights.items()) / total


def numbers_by_line(logprobs: list[TokenLogprobs], allowed: range) -> list[list[float]]:
    """Numbers in a reply that lists integers separated by spaces/commas, one line per item.
    A number written as one token takes the expected value over its alternatives; one
    split over several tokens (tokenizers that split digits) keeps its written value."""
    lines: list[list[float]] = [[]]
    digits, parts = "", []

    def flush() -> None:
        nonlocal digits, parts
        if digits:
            value = float(int(digits))
            if len(parts) == 1:
                ev = expected_value(parts[0], allowed)
                value = ev if ev is not None else value
            lines[-1].append(value)
        digits, parts = "", []

    for token, alternatives in logprobs:
        for i, ch in enumerate(token):
            if ch.isdigit():
                if not digits:
                    parts = []
                digits += ch
                if i == 0 or not token[i - 1].isdigit():
                    parts.append(alternatives)
            else:
                flush()
                if ch == "\n":
                    lines.append([])
    flush()
    return [line for line in lines if line]
