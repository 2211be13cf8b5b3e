import pytest

from scoring.base import PermanentScoringError, Record
from scoring.explainer import explain

from . import fake_openai as fake

RECORDS = [Record(["The", " cat", " sat"], [0.0, 2.0, 0.0]), Record(["a", " cat"], [0.0, 1.0])]


def test_returns_the_models_phrase_and_its_cost(fake_openai, llm_client) -> None:
    fake_openai.push(fake.chat('"the word cat"\n', usage=(300, 5)))
    result = explain(RECORDS, client=llm_client)
    assert result.text == "the word cat"
    assert (result.tokens_in, result.tokens_out, result.calls) == (300, 5, 1)
    assert result.cost_usd > 0


def test_shows_tokens_with_activations_on_the_zero_to_ten_scale(fake_openai, llm_client) -> None:
    fake_openai.push(fake.chat("cats"))
    explain(RECORDS, client=llm_client)
    prompt = fake_openai.requests[0][1]["messages"][-1]["content"]
    assert "' cat'\t10" in prompt
    assert "' cat'\t5" in prompt


def test_an_empty_reply_twice_is_permanent(fake_openai, llm_client) -> None:
    fake_openai.push(fake.chat("  "), fake.chat(""))
    with pytest.raises(PermanentScoringError, match="empty"):
        explain(RECORDS, client=llm_client)
