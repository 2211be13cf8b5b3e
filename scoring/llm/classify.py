"""Shared machinery of detection and fuzzing: show numbered examples, ask for a 1/0 per
example in one call, and score the answers by balanced accuracy (and AUC when token
probabilities are available)."""

from __future__ import annotations

import math
import random
import zlib
from dataclasses import dataclass

from scoring.base import PermanentScoringError, ScoreResult, TransientScoringError
from scoring.llm import prompts
from scoring.llm.client import LLMClient, MalformedReply, Usage, with_one_retry
from scoring.llm.parse import extract_json, number_list
from scoring.metrics import balanced_accuracy, roc_auc


@dataclass(frozen=True)
class Example:
    text: str
    label: bool  # should the model say 1?
    kind: str  # for the details: where the example came from


def shuffled(examples: list[Example], explanation: str) -> list[Example]:
    """A fixed shuffle per explanation, so scoring the same text twice asks the same question."""
    out = list(examples)
    random.Random(zlib.crc32(explanation.encode())).shuffle(out)
    return out


def _probability_of_one(alternatives: dict[str, float]) -> float | None:
    p1 = sum(math.exp(lp) for t, lp in alternatives.items() if t.strip() == "1")
    p0 = sum(math.exp(lp) for t, lp in alternatives.items() if t.strip() == "0")
    return p1 / (p0 + p1) if p0 + p1 > 0 else None


def classify(client: LLMClient, *, task: str, explanation: str, examples: list[Example], mode: str) -> ScoreResult:
    use_logprobs = mode != "json"  # completions-only endpoints still serve chat for this
    messages = prompts.classify_messages(task, explanation, [e.text for e in examples], json_reply=not use_logprobs)
    usage = Usage()
    n = len(examples)

    def attempt() -> tuple[list[bool], list[float] | None]:
        if not use_logprobs:
            reply = client.chat(messages, usage, max_tokens=32 + 4 * n, json_object=True)
            obj = extract_json(reply.text)
            answers = obj.get("answers") if isinstance(obj, dict) else obj
            values = number_list(answers, n, lo=0, hi=1, what="answers")
            return [v >= 0.5 for v in values], None
        reply = client.chat(messages, usage, max_tokens=16 + 3 * n, top_logprobs=5)
        probs: list[float] = []
        for token, alternatives in reply.logprobs or []:
            if token.strip() in {"0", "1"}:
                p = _probability_of_one(alternatives)
                probs.append(p if p is not None else float(token.strip()))
        if len(probs) != n:
            raise MalformedReply(f"expected {n} answers, got {len(probs)}")
        return [p >= 0.5 for p in probs], probs

    def cost_fields() -> dict:
        return {"tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out, "calls": usage.calls,
                "cost_usd": client.cost(usage)}

    try:
        predicted, probs = with_one_retry(attempt, task.split(",")[0])
    except (PermanentScoringError, TransientScoringError) as exc:
        exc.usage = cost_fields()  # type: ignore[attr-defined]
        raise
    labels = [e.label for e in examples]
    bacc = balanced_accuracy(labels, predicted)
    details = {
        "model": client.model,
        "examples": [
            {"kind": e.kind, "label": int(e.label), "answer": int(p), **({"p": round(probs[i], 4)} if probs else {})}
            for i, (e, p) in enumerate(zip(examples, predicted))
        ],
    }
    if probs is not None:
        details["auc"] = roc_auc(labels, probs)
    if bacc is None:
        return ScoreResult("undefined", None, details=details, error="needs both positive and negative examples",
                           **cost_fields())
    return ScoreResult("ok", round(bacc, 6), details=details, **cost_fields())
