"""A thin client for OpenAI-compatible endpoints that counts what each score costs and
turns transport failures into the two errors the job queue understands."""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openai

from scoring.base import PermanentScoringError, TransientScoringError
from scoring.pricing import cost_usd

# A token and its alternatives: (token text, {alternative text: logprob}).
TokenLogprobs = tuple[str, dict[str, float]]


class MalformedReply(ValueError):
    """The model answered, but not in the shape asked for."""


@dataclass
class Usage:
    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0

    def add(self, usage: Any) -> None:
        self.calls += 1
        if usage is not None:
            self.tokens_in += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.tokens_out += int(getattr(usage, "completion_tokens", 0) or 0)


@dataclass
class ChatReply:
    text: str
    logprobs: list[TokenLogprobs] | None = None


@dataclass
class EchoReply:
    tokens: list[str]
    text_offset: list[int]
    top_logprobs: list[dict[str, float] | None] = field(default_factory=list)


def _retry_after(response: Any) -> float | None:
    raw = response.headers.get("retry-after") if response is not None else None
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        when = email.utils.parsedate_to_datetime(raw) if raw else None
        return max(0.0, when.timestamp() - time.time()) if when else None


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    """Timeouts, 429 and 5xx may pass; other refusals will not."""
    try:
        yield
    except openai.APITimeoutError as exc:
        raise TransientScoringError(f"the scoring model timed out: {exc}") from exc
    except openai.APIConnectionError as exc:
        raise TransientScoringError(f"cannot reach the scoring model: {exc}") from exc
    except openai.RateLimitError as exc:
        raise TransientScoringError(
            "the scoring model is rate limited (429)", retry_after_s=_retry_after(exc.response)
        ) from exc
    except openai.APIStatusError as exc:
        if exc.status_code >= 500:
            raise TransientScoringError(
                f"the scoring model failed ({exc.status_code})", retry_after_s=_retry_after(exc.response)
            ) from exc
        raise PermanentScoringError(f"the scoring model refused the request ({exc.status_code}): {exc.message}") from exc
    except openai.APIResponseValidationError as exc:
        raise PermanentScoringError(f"the scoring endpoint sent an invalid response: {exc}") from exc
    except ValueError as exc:  # a body that is not JSON at all: worth the one retry
        raise MalformedReply(f"the endpoint's reply is not JSON: {exc}") from exc


class LLMClient:
    """One model on one endpoint. Each call adds to `usage`; a scorer makes a fresh
    `Usage` per score and passes it in."""

    def __init__(self, *, model: str, base_url: str = "", api_key: str = "", timeout_s: float = 60.0) -> None:
        if not base_url and not api_key:
            raise PermanentScoringError("set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server) to use LLM scoring")
        self.model = model
        # Our job queue retries transient failures itself: no hidden retries in the client.
        self._client = openai.OpenAI(
            base_url=base_url or None, api_key=api_key or "not-needed", timeout=timeout_s, max_retries=0
        )

    @classmethod
    def from_settings(cls) -> LLMClient:
        from django.conf import settings

        return cls(
            model=settings.OPENAI_MODEL,
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            timeout_s=settings.OPENAI_TIMEOUT_S,
        )

    def cost(self, usage: Usage) -> float:
        return cost_usd(self.model, usage.tokens_in, usage.tokens_out)

    def chat(
        self,
        messages: list[dict[str, str]],
        usage: Usage,
        *,
        max_tokens: int,
        json_object: bool = False,
        top_logprobs: int = 0,
    ) -> ChatReply:
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages, "max_tokens": max_tokens, "temperature": 0}
        if json_object:
            kwargs["response_format"] = {"type": "json_object"}
        if top_logprobs:
            kwargs.update(logprobs=True, top_logprobs=top_logprobs)
        with mapped_errors():
            resp = self._client.chat.completions.create(**kwargs)
        usage.add(getattr(resp, "usage", None))
        try:
            choice = resp.choices[0]
            text = choice.message.content or ""
        except (AttributeError, IndexError, TypeError) as exc:
            raise MalformedReply("the reply has no message") from exc
        lps = None
        if top_logprobs:
            content = getattr(getattr(choice, "logprobs", None), "content", None)
            if not content:
                raise MalformedReply("logprobs were asked for but the reply has none")
            lps = [(t.token, {a.token: a.logprob for a in (t.top_logprobs or [])}) for t in content]
        return ChatReply(text=text, logprobs=lps)

    def echo_logprobs(self, prompt: str, usage: Usage, *, top_logprobs: int = 15) -> EchoReply:
        """The prompt's own tokens with their top alternatives (completions endpoint, echo)."""
        with mapped_errors():
            resp = self._client.completions.create(
                model=self.model, prompt=prompt, echo=True, logprobs=top_logprobs, max_tokens=1, temperature=0
            )
        usage.add(getattr(resp, "usage", None))
        try:
            lp = resp.choices[0].logprobs
            return EchoReply(tokens=list(lp.tokens), text_offset=list(lp.text_offset), top_logprobs=list(lp.top_logprobs))
        except (AttributeError, IndexError, TypeError) as exc:
            raise MalformedReply("the reply has no prompt logprobs (does the endpoint support echo?)") from exc


def with_one_retry(attempt, what: str):
    """Run `attempt()` (a call plus parsing); a malformed reply earns one more try."""
    try:
        return attempt()
    except MalformedReply:
        pass
    try:
        return attempt()
    except MalformedReply as exc:
        raise PermanentScoringError(f"{what}: malformed reply twice: {exc}") from exc
