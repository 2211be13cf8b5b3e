"""Transport failures map to the errors the job queue understands; tested through the
simulation scorer, the way the job calls it."""

import json

import pytest

from scoring.base import PermanentScoringError, TransientScoringError
from scoring.llm.client import LLMClient
from scoring.scorers.llm_simulation import LLMSimulator

from . import fake_openai as fake

GOOD = json.dumps({"activations": [[0, 10, 0, 0, 0, 0, 0], [0, 0, 0, 0, 8, 0], [0] * 6, [0] * 5]})


def test_a_timeout_is_transient(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.sleep(1.5))
    with pytest.raises(TransientScoringError, match="timed out"):
        LLMSimulator(llm_client).score(cat_input("cats"))


def test_a_429_is_transient_and_keeps_retry_after(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.status(429, "slow down", {"Retry-After": "17"}))
    with pytest.raises(TransientScoringError) as info:
        LLMSimulator(llm_client).score(cat_input("cats"))
    assert info.value.retry_after_s == 17.0


def test_a_500_is_transient(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.status(500, "boom"))
    with pytest.raises(TransientScoringError, match="500"):
        LLMSimulator(llm_client).score(cat_input("cats"))


def test_a_401_is_permanent(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.status(401, "bad key"))
    with pytest.raises(PermanentScoringError, match="401"):
        LLMSimulator(llm_client).score(cat_input("cats"))


def test_a_reply_that_is_not_json_at_all_is_permanent_after_one_retry(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.raw("<html>oops"), fake.raw("<html>oops"))
    with pytest.raises(PermanentScoringError):
        LLMSimulator(llm_client).score(cat_input("cats"))
    assert len(fake_openai.requests) == 2


def test_no_key_and_no_base_url_is_a_configuration_error() -> None:
    with pytest.raises(PermanentScoringError, match="OPENAI_API_KEY"):
        LLMClient(model="gpt-4o-mini")


def test_the_client_does_not_retry_on_its_own(fake_openai, llm_client, cat_input) -> None:
    fake_openai.push(fake.status(500), fake.chat(GOOD))
    with pytest.raises(TransientScoringError):
        LLMSimulator(llm_client).score(cat_input("cats"))
    assert len(fake_openai.requests) == 1
