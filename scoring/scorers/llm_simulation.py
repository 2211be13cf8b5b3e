"""OpenAI's simulation score: a language model reads the explanation and predicts every
token's activation (0..10); the score is the Pearson correlation with the true
activations over all tokens of all scored records. All records go in one call."""

from __future__ import annotations

import numpy as np

from scoring.base import PermanentScoringError, ScoreResult, ScoringInput, TransientScoringError
from scoring.llm import prompts
from scoring.llm.client import LLMClient, MalformedReply, Usage, with_one_retry
from scoring.llm.parse import expected_value, extract_json, number_list, numbers_by_line
from scoring.llm.settings import MODES, llm_mode
from scoring.pearson import pearson
from scoring.records import all_records, normalise_activations
from scoring.registry import register
from scoring.uncertainty import pearson_stderr

_SCALE = range(0, 11)


class LLMSimulator:
    name = "llm-simulation"
    version = "1"

    def __init__(self, client: LLMClient, *, mode: str = "json", top_logprobs: int = 15) -> None:
        if mode not in MODES:
            raise PermanentScoringError(f"unknown mode {mode!r}")
        self.client = client
        self.mode = mode
        self.top_logprobs = top_logprobs

    def _predict_json(self, explanation: str, tokens: list[list[str]], usage: Usage) -> list[list[float]]:
        reply = self.client.chat(
            prompts.simulation_json_messages(explanation, tokens),
            usage,
            max_tokens=_output_budget(tokens, per_token=3),
            json_object=True,
        )
        obj = extract_json(reply.text)
        lists = obj.get("activations") if isinstance(obj, dict) else obj
        if not isinstance(lists, list) or len(lists) != len(tokens):
            raise MalformedReply(f"expected {len(tokens)} lists of activations")
        return [number_list(v, len(t), lo=0, hi=10, what=f"text {i + 1}") for i, (v, t) in enumerate(zip(lists, tokens))]

    def _predict_chat_logprobs(self, explanation: str, tokens: list[list[str]], usage: Usage) -> list[list[float]]:
        reply = self.client.chat(
            prompts.simulation_lines_messages(explanation, tokens),
            usage,
            max_tokens=_output_budget(tokens, per_token=2),
            top_logprobs=self.top_logprobs,
        )
        lines = numbers_by_line(reply.logprobs or [], _SCALE)
        if len(lines) != len(tokens):
            raise MalformedReply(f"expected {len(tokens)} lines of numbers, got {len(lines)}")
        for i, (line, t) in enumerate(zip(lines, tokens)):
            if len(line) != len(t):
                raise MalformedReply(f"text {i + 1} has {len(line)} numbers, expected {len(t)}")
        return [[min(10.0, v) for v in line] for line in lines]

    def _predict_echo(self, explanation: str, tokens: list[list[str]], usage: Usage) -> list[list[float]]:
        prompt, offsets = prompts.simulation_echo_prompt(explanation, tokens)
        reply = self.client.echo_logprobs(prompt, usage, top_logprobs=min(self.top_logprobs, 5) or 5)
        starts = {off: i for i, off in enumerate(reply.text_offset)}
        out = []
        for rec_offsets in offsets:
            preds = []
            for off in rec_offsets:
                i = starts.get(off)
                alts = reply.top_logprobs[i] if i is not None and i < len(reply.top_logprobs) else None
                ev = expected_value(alts or {}, _SCALE)
                if ev is None:
                    raise MalformedReply("no number among the top logprobs where an activation goes")
                preds.append(ev)
            out.append(preds)
        return out

    def score(self, data: ScoringInput) -> ScoreResult:
        records = all_records(data)
        tokens = [list(r.tokens) for r in records]
        predict = {
            "json": self._predict_json,
            "chat-logprobs": self._predict_chat_logprobs,
            "completions-logprobs": self._predict_echo,
        }[self.mode]
        usage = Usage()

        def cost_fields() -> dict:
            return {"tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out, "calls": usage.calls,
                    "cost_usd": self.client.cost(usage)}

        try:
            preds = with_one_retry(lambda: predict(data.explanation, tokens, usage), "simulation")
        except (PermanentScoringError, TransientScoringError) as exc:
            # Failures carry no score, but what they cost is still worth knowing to the caller.
            exc.usage = cost_fields()  # type: ignore[attr-defined]
            raise
        truth = np.concatenate([np.asarray(r.values, dtype=np.float64) for r in records])
        corr = pearson(truth, np.concatenate([np.asarray(p) for p in preds]))
        details = {
            "mode": self.mode,
            "model": self.client.model,
            "records": [
                {
                    "kind": "top" if i < len(data.top_records) else "random",
                    "true": normalise_activations(r.values, data.max_activation),
                    "predicted": [round(float(x), 3) for x in p],
                }
                for i, (r, p) in enumerate(zip(records, preds))
            ],
        }
        if corr.status != "ok":
            return ScoreResult("undefined", None, details=details, error=corr.reason, **cost_fields())
        stderr = pearson_stderr(
            [r.values for r in records], preds, [d["kind"] for d in details["records"]]
        )
        return ScoreResult("ok", round(corr.value, 6), details=details, stderr=stderr, **cost_fields())


def _output_budget(tokens: list[list[str]], *, per_token: int) -> int:
    return 64 + per_token * sum(len(t) for t in tokens)


@register("llm-simulation")
def _factory() -> LLMSimulator:
    return LLMSimulator(LLMClient.from_settings(), mode=llm_mode())
