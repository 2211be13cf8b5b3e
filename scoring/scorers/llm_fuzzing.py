"""EleutherAI's fuzzing score: texts with some tokens marked; the marks are right (the
tokens at >= 0.3 x the text's max activation) or wrong (other tokens). Does a language
model, given the explanation, tell right marks from wrong ones? Balanced accuracy.

Wrong marks go on non-activating records when there are any (one per top record), else
on the top records themselves, on tokens that do not fire."""

from __future__ import annotations

import random
import zlib

from scoring.base import Record, ScoreResult, ScoringInput
from scoring.llm import prompts
from scoring.llm.classify import Example, classify, shuffled
from scoring.llm.client import LLMClient
from scoring.llm.settings import llm_mode
from scoring.registry import register

HIGHLIGHT_FRACTION = 0.3


def correct_marks(record: Record) -> set[int]:
    peak = record.max_value
    if peak <= 0:
        return set()
    return {i for i, v in enumerate(record.values) if v >= HIGHLIGHT_FRACTION * peak}


def wrong_marks(record: Record, count: int, rng: random.Random) -> set[int]:
    """`count` random tokens that are not among the record's correct marks."""
    candidates = [i for i in range(len(record.tokens)) if i not in correct_marks(record) and record.tokens[i].strip()]
    return set(rng.sample(candidates, min(count, len(candidates))))


class LLMFuzzer:
    name = "llm-fuzzing"
    version = "1"

    def __init__(self, client: LLMClient, *, mode: str = "json") -> None:
        self.client = client
        self.mode = mode

    def score(self, data: ScoringInput) -> ScoreResult:
        rng = random.Random(zlib.crc32(data.explanation.encode()))
        examples: list[Example] = []
        wrong_sources = data.random_records or data.top_records
        for i, rec in enumerate(data.top_records):
            marks = correct_marks(rec)
            if not marks:
                continue
            examples.append(Example(prompts.highlighted_example(rec.tokens, marks), True, "top, correct marks"))
            other = wrong_sources[i % len(wrong_sources)]
            wrong = wrong_marks(other, len(marks), rng)
            if wrong:
                kind = "random, wrong marks" if data.random_records else "top, wrong marks"
                examples.append(Example(prompts.highlighted_example(other.tokens, wrong), False, kind))
        result = classify(
            self.client, task=prompts.FUZZING_TASK, explanation=data.explanation,
            examples=shuffled(examples, data.explanation), mode=self.mode,
        ) if examples else ScoreResult("undefined", None, error="no top record has an activating token")
        if not data.random_records and result.status != "failed":
            result.details["note"] = "no random records: wrong marks placed on top records"
        return result


@register("llm-fuzzing")
def _factory() -> LLMFuzzer:
    return LLMFuzzer(LLMClient.from_settings(), mode=llm_mode())
