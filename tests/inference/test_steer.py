"""Steering on the tiny pack (random weights): one seed gives one text, strength 0 changes
nothing, a push changes the text, and every bad request is refused with the field at fault."""

from __future__ import annotations

import math

import pytest
import torch

from inference_client.engine import InferenceEngine
from inference_client.errors import InferenceError

PROMPT = "the cat sat on"


def test_one_seed_gives_one_text_and_strength_zero_changes_nothing(engine: InferenceEngine) -> None:
    first = engine.steer(PROMPT, "0-res-std", 3, 0.0, seed=7, max_new_tokens=12)
    again = engine.steer(PROMPT, "0-res-std", 3, 0.0, seed=7, max_new_tokens=12)
    assert first == again
    assert first["steered"] == first["default"] and first["steered_tokens"] == first["default_tokens"]
    assert len(first["default_tokens"]) == 12
    assert first["prompt_tokens"] == engine.display(engine.tokenizer.encode(PROMPT))
    others = {engine.steer(PROMPT, "0-res-std", 3, 0.0, seed=s, max_new_tokens=12)["default"] for s in range(8)}
    assert len(others) > 1, "eight seeds gave one text: the seed is not used"


@pytest.mark.parametrize("source", ["0-res-std", "0-res-topk", "0-mlp"])
def test_a_strong_push_changes_the_text_but_not_the_unsteered_one(engine: InferenceEngine, source: str) -> None:
    plain = engine.steer(PROMPT, source, 1, 0.0, seed=3, max_new_tokens=16)
    pushed = engine.steer(PROMPT, source, 1, 200.0, seed=3, max_new_tokens=16)
    assert pushed["default"] == plain["default"]
    assert pushed["steered"] != pushed["default"]


def test_the_push_is_the_decoder_direction_at_the_hook_point(engine: InferenceEngine) -> None:
    """What the model sees at the hook: the unsteered activations plus strength × W_dec[index]
    at every position (SAE), or plus strength on the neuron (neurons)."""
    seen: dict[str, torch.Tensor] = {}
    for slug, index, strength in [("0-res-std", 2, 5.0), ("0-mlp", 4, 3.0)]:
        spec = engine.sources[slug]
        push = engine._push(spec, index, strength)
        expected = strength * spec.sae.W_dec[index].detach() if spec.sae is not None else torch.zeros(spec.width)
        if spec.sae is None:
            expected[index] = strength
        torch.testing.assert_close(push, expected)
        seen[slug] = push
    assert seen["0-mlp"].count_nonzero() == 1


@pytest.mark.parametrize("call, field, status", [
    (dict(source="0-res-std", index=10_000), "index", 404),
    (dict(source="no-such-source"), "source", 404),
    (dict(prompt="   "), "prompt", 400),
    (dict(prompt="the cat " * 40), "prompt", 400),
    (dict(max_new_tokens=0), "max_new_tokens", 400),
    (dict(max_new_tokens=10_000), "max_new_tokens", 400),
    (dict(strength=math.nan), "strength", 400),
    (dict(strength=math.inf), "strength", 400),
])
def test_bad_requests_are_refused_with_the_field_at_fault(engine: InferenceEngine, call, field, status) -> None:
    args = dict(prompt=PROMPT, source="0-res-std", index=0, strength=1.0, max_new_tokens=8) | call
    with pytest.raises(InferenceError) as caught:
        engine.steer(args.pop("prompt"), args.pop("source"), args.pop("index"), args.pop("strength"), **args)
    assert (caught.value.field, caught.value.status) == (field, status)
    assert caught.value.message


def test_a_prompt_that_leaves_no_room_for_the_new_tokens_says_how_long_it_may_be(engine: InferenceEngine) -> None:
    room = engine.max_tokens - 8
    prompt = " ".join(["cat"] * (room + 1))
    assert len(engine.tokenizer.encode(prompt)) > room
    with pytest.raises(InferenceError, match=f"at most {room} tokens"):
        engine.steer(prompt, "0-res-std", 0, 1.0, max_new_tokens=8)


def test_generation_with_the_key_value_cache_matches_reading_the_whole_text_each_step(engine: InferenceEngine) -> None:
    """The cached steps (one new token a step) against the plain way: the whole text every step,
    the push on every position, the same sampling."""
    from inference_client.engine import STEER_TEMPERATURE, STEER_TOP_K

    spec, index, strength, seed, steps = engine.sources["0-res-std"], 2, 40.0, 5, 10
    ids = engine.tokenizer.encode(PROMPT)
    push = engine._push(spec, index, strength)

    def add(acts, hook):
        acts[1] = acts[1] + push
        return acts

    x = torch.tensor([[engine.tokenizer.bos_id, *ids]] * 2)
    generators = [torch.Generator().manual_seed(seed) for _ in range(2)]
    with torch.no_grad():
        for _ in range(steps):
            logits = engine.model.run_with_hooks(x, fwd_hooks=[(spec.hook_point, add)])[:, -1, :]
            top = torch.topk(logits / STEER_TEMPERATURE, STEER_TOP_K)
            probs = torch.softmax(top.values, dim=-1)
            picked = [top.indices[r, torch.multinomial(probs[r], 1, generator=generators[r])] for r in range(2)]
            x = torch.cat([x, torch.stack(picked)], dim=1)
    got = engine.steer(PROMPT, "0-res-std", index, strength, seed=seed, max_new_tokens=steps)
    assert got["default_tokens"] == engine.display(x[0, len(ids) + 1:].tolist())
    assert got["steered_tokens"] == engine.display(x[1, len(ids) + 1:].tolist())
