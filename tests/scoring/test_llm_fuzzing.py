import json

from scoring.scorers.llm_fuzzing import LLMFuzzer, correct_marks
from scoring.base import Record

from . import fake_openai as fake


def test_correct_marks_are_tokens_at_three_tenths_of_the_max() -> None:
    assert correct_marks(Record(["a", "b", "c", "d"], [0.0, 1.0, 0.3, 0.29])) == {1, 2}


def test_marks_the_firing_tokens_and_decoys_and_scores_answers(fake_openai, llm_client, cat_input) -> None:
    def reply(req):
        prompt = req["messages"][-1]["content"]
        examples = [line for line in prompt.splitlines() if line.startswith("Example ")]
        return fake.chat(json.dumps({"answers": [int("<< cat>>" in e) for e in examples]}))(req)

    fake_openai.push(reply)
    result = LLMFuzzer(llm_client).score(cat_input("cats"))
    prompt = fake_openai.requests[0][1]["messages"][-1]["content"]
    assert prompt.count("<< cat>>") == 2
    assert result.status == "ok"
    assert result.value == 1.0
    assert sorted(e["kind"] for e in result.details["examples"]) == [
        "random, wrong marks", "random, wrong marks", "top, correct marks", "top, correct marks"]
