import json
import math

import pytest

from scoring.scorers.llm_detection import LLMDetector

from . import fake_openai as fake


def _answers_for(request: dict) -> list[int]:
    """What a perfect detector says: 1 for the texts about cats."""
    prompt = request["messages"][-1]["content"]
    examples = [line for line in prompt.splitlines() if line.startswith("Example ")]
    return [int("cat" in line) for line in examples]


def test_perfect_answers_give_balanced_accuracy_one(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(lambda req: fake.chat(json.dumps({"answers": _answers_for(req)}))(req))
    result = LLMDetector(llm_client).score(cat_input("cats"))
    assert result.status == "ok"
    assert result.value == 1.0
    assert result.calls == 1


def test_answering_yes_to_everything_scores_one_half(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.chat(json.dumps({"answers": [1, 1, 1, 1]})))
    assert LLMDetector(llm_client).score(cat_input("cats")).value == 0.5


def test_without_random_records_detection_is_undefined(llm_client, cat_input) -> None:
    result = LLMDetector(llm_client).score(cat_input("cats", random=False))
    assert result.status == "undefined"
    assert "random" in result.error


def test_logprob_mode_also_reports_auc(fake_openai, llm_client, cat_input) -> None:
    def reply(req):
        toks = []
        for i, a in enumerate(_answers_for(req)):
            p = 0.9 if a else 0.2
            toks.append((str(int(p > 0.5)), {"1": math.log(p), "0": math.log(1 - p)}))
            toks.append(("\n", {"\n": 0.0}))
        return fake.chat("".join(t for t, _ in toks), logprobs=toks[:-1])(req)

    fake_openai.push(reply)
    result = LLMDetector(llm_client, mode="chat-logprobs").score(cat_input("cats"))
    assert result.value == 1.0
    assert result.details["auc"] == 1.0
    assert [e["p"] for e in result.details["examples"] if e["label"]] == pytest.approx([0.9, 0.9])
