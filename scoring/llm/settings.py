"""LLM-scoring settings that may be absent from the project's settings module."""

from __future__ import annotations

MODES = ("json", "chat-logprobs", "completions-logprobs")


def llm_mode() -> str:
    """How LLM scorers read predictions: a JSON list (any chat endpoint), chat logprobs,
    or prompt logprobs from the completions endpoint with echo (OpenAI's original)."""
    from django.conf import settings

    mode = getattr(settings, "SCORING_LLM_MODE", "json") or "json"
    if mode not in MODES:
        from scoring.base import PermanentScoringError

        raise PermanentScoringError(f"SCORING_LLM_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    return mode
