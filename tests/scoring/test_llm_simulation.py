import json
import math

import pytest

from scoring.base import PermanentScoringError
from scoring.scorers.llm_simulation import LLMSimulator

from . import fake_openai as fake

# cat_input: top records of 7 and 6 tokens (cat at 1 and 4), random records of 6 and 5.
GOOD = json.dumps({"activations": [[0, 10, 0, 0, 0, 0, 0], [0, 0, 0, 0, 8, 0], [0] * 6, [0] * 5]})


def test_json_mode_scores_good_predictions_high_in_one_call(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.chat(GOOD, usage=(1200, 80)))
    result = LLMSimulator(llm_client).score(cat_input("cats"))
    assert result.status == "ok"
    assert result.value == pytest.approx(1.0)
    assert (result.calls, result.tokens_in, result.tokens_out) == (1, 1200, 80)
    assert result.cost_usd == pytest.approx((1200 * 0.15 + 80 * 0.60) / 1e6)
    assert len(result.details["records"][0]["predicted"]) == 7


def test_the_prompt_carries_the_explanation_and_every_record(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.chat(GOOD))
    LLMSimulator(llm_client).score(cat_input("cats"))
    path, body = fake_openai.requests[0]
    assert path == "/v1/chat/completions"
    prompt = body["messages"][-1]["content"]
    assert "Explanation: cats" in prompt
    assert '" stock"' in prompt and "Text 4 (5 tokens)" in prompt


def test_a_malformed_reply_is_retried_once(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.chat("{not json"), fake.chat(GOOD))
    result = LLMSimulator(llm_client).score(cat_input("cats"))
    assert result.status == "ok"
    assert result.calls == 2


def test_a_wrong_list_length_twice_is_permanent_and_gives_no_number(fake_openai, llm_client, cat_input) -> None:
    short = json.dumps({"activations": [[0, 10], [0], [0], [0]]})
    fake_openai.push(fake.chat(short), fake.chat(short))
    with pytest.raises(PermanentScoringError, match="expected 7"):
        LLMSimulator(llm_client).score(cat_input("cats"))


def test_constant_predictions_are_undefined(fake_openai, llm_client, cat_input) -> None:
    flat = json.dumps({"activations": [[1] * 7, [1] * 6, [1] * 6, [1] * 5]})
    fake_openai.push(fake.chat(flat))
    result = LLMSimulator(llm_client).score(cat_input("cats"))
    assert result.status == "undefined"
    assert result.value is None


def test_chat_logprob_mode_uses_expected_values(fake_openai, llm_client, cat_input) -> None:
    half = {"10": math.log(0.5), "0": math.log(0.5)}  # expected value 5
    zero = {"0": 0.0}
    lines = [[zero, half, *[zero] * 5], [*[zero] * 4, half, zero], [zero] * 6, [zero] * 5]
    fake_openai.push(fake.chat_logprob_lines(lines))
    result = LLMSimulator(llm_client, mode="chat-logprobs").score(cat_input("cats"))
    assert result.status == "ok"
    assert result.details["records"][0]["predicted"][1] == pytest.approx(5.0)
    assert fake_openai.requests[0][1]["top_logprobs"] == 15


def test_completions_echo_mode_reads_the_placeholders(fake_openai, llm_client, cat_input) -> None:
    fire_at = {1, 7 + 4}  # the two " cat" tokens, counting placeholders over all records
    fake_openai.push(fake.echo_completion(
        lambda n: {"9": math.log(0.8), "1": math.log(0.2)} if n in fire_at else {"0": 0.0, "unknown": -5.0}
    ))
    result = LLMSimulator(llm_client, mode="completions-logprobs").score(cat_input("cats"))
    path, body = fake_openai.requests[0]
    assert path == "/v1/completions" and body["echo"] is True
    assert result.details["records"][0]["predicted"][1] == pytest.approx(7.4)
    assert result.value > 0.95
