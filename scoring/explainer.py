"""Ask a language model to explain a feature from its top records.

The prompt shows each record as token/activation pairs on OpenAI's 0..10 scale (as OpenAI
and Neuronpedia do) and asks for a short phrase. The same client as the LLM scorers, so the
same endpoints, error mapping and cost accounting apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.base import PermanentScoringError, Record, TransientScoringError
from scoring.llm import prompts
from scoring.llm.client import LLMClient, MalformedReply, Usage, with_one_retry
from scoring.records import normalise_activations

MAX_CHARS = 200


@dataclass
class Explained:
    text: str
    model: str
    tokens_in: int
    tokens_out: int
    calls: int
    cost_usd: float


def _clean(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    line = line.strip().strip('"').strip()
    for prefix in ("Explanation:", "explanation:"):
        line = line.removeprefix(prefix).strip()
    if not line:
        raise MalformedReply("the explanation is empty")
    return line[:MAX_CHARS]


def explain(
    records: list[Record], *, client: LLMClient | None = None, max_activation: float | None = None, max_records: int = 10
) -> Explained:
    """A short explanation of what the records' activations have in common."""
    if not records:
        raise PermanentScoringError("no records to explain")
    client = client or LLMClient.from_settings()
    peak = max_activation or max(r.max_value for r in records)
    shown = [(r.tokens, normalise_activations(r.values, peak)) for r in records[:max_records]]
    usage = Usage()

    def attempt() -> str:
        reply = client.chat(prompts.explain_messages(shown), usage, max_tokens=60)
        return _clean(reply.text)

    try:
        text = with_one_retry(attempt, "explanation")
    except (PermanentScoringError, TransientScoringError) as exc:
        exc.usage = {"tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out, "calls": usage.calls,  # type: ignore[attr-defined]
                     "cost_usd": client.cost(usage)}
        raise
    return Explained(text, client.model, usage.tokens_in, usage.tokens_out, usage.calls, client.cost(usage))
