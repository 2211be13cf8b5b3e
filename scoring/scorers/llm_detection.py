"""EleutherAI's detection score: shown the explanation and a shuffled mix of activating and
non-activating texts, does a language model tell which ones fire? Balanced accuracy."""

from __future__ import annotations

from scoring.base import ScoreResult, ScoringInput
from scoring.llm import prompts
from scoring.llm.classify import Example, classify, shuffled
from scoring.llm.client import LLMClient
from scoring.llm.settings import llm_mode
from scoring.registry import register


class LLMDetector:
    name = "llm-detection"
    version = "1"

    def __init__(self, client: LLMClient, *, mode: str = "json") -> None:
        self.client = client
        self.mode = mode

    def score(self, data: ScoringInput) -> ScoreResult:
        if not data.random_records:
            return ScoreResult("undefined", None, error="detection needs non-activating (random) records; none given")
        examples = [Example(prompts.detection_example(r.tokens), True, "top") for r in data.top_records]
        examples += [Example(prompts.detection_example(r.tokens), False, "random") for r in data.random_records]
        return classify(
            self.client, task=prompts.DETECTION_TASK, explanation=data.explanation,
            examples=shuffled(examples, data.explanation), mode=self.mode,
        )


@register("llm-detection")
def _factory() -> LLMDetector:
    return LLMDetector(LLMClient.from_settings(), mode=llm_mode())
