"""Turning token lists into display text for embedding and prompts."""

from __future__ import annotations

from collections.abc import Sequence


def record_text(tokens: Sequence[str]) -> str:
    """The record as one string: tokens joined as the tokenizer would print them."""
    return "".join(tokens).strip()


def token_label(token: str) -> str:
    """A readable stand-in for a token; whitespace-only tokens get names so that an
    explanation like "newlines" can match them."""
    stripped = token.strip()
    if stripped:
        return stripped
    if "\n" in token:
        return "newline"
    if "\t" in token:
        return "tab"
    if token:
        return "space" if len(token) == 1 else "indentation spaces"
    return "empty"
