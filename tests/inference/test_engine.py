"""The engine on the tiny pack: its numbers against a direct computation, and its refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inference_client.engine import InferenceEngine
from inference_client.errors import InferenceError
from tests.inference.model_pack import TOPK_K

TEXT = "the cat sat on the mat"


def full_cache(engine: InferenceEngine, text: str):
    """An independent pass: the whole model, every hook, BOS first as in the pipeline."""
    ids = [engine.tokenizer.bos_id, *engine.tokenizer.encode(text)]
    with torch.no_grad():
        _, cache = engine.model.run_with_cache(torch.tensor([ids]))
    return cache


def test_neuron_activations_are_the_hooked_mlp_output_without_bos(engine: InferenceEngine) -> None:
    _, acts = engine.activations(TEXT, ["0-mlp"])
    expected = full_cache(engine, TEXT)["blocks.0.mlp.hook_post"][0, 1:].numpy()
    np.testing.assert_allclose(acts["0-mlp"], expected, rtol=1e-5, atol=1e-6)


def test_topk_sae_activations_equal_a_manual_encode(engine: InferenceEngine) -> None:
    sae = engine.sources["0-res-topk"].sae
    x = full_cache(engine, TEXT)["blocks.0.hook_resid_post"][0, 1:]
    with torch.no_grad():
        pre = (x - sae.b_dec) @ sae.W_enc + sae.b_enc
        top = pre.topk(TOPK_K, dim=-1)
        expected = torch.zeros_like(pre).scatter(-1, top.indices, top.values.relu()).numpy()
    _, acts = engine.activations(TEXT, ["0-res-topk"])
    np.testing.assert_allclose(acts["0-res-topk"], expected, rtol=1e-5, atol=1e-5)
    assert ((acts["0-res-topk"] > 0).sum(axis=1) <= TOPK_K).all()


def test_standard_sae_activations_equal_a_manual_encode(engine: InferenceEngine) -> None:
    sae = engine.sources["0-res-std"].sae
    x = full_cache(engine, TEXT)["blocks.0.hook_resid_post"][0, 1:]
    with torch.no_grad():
        expected = ((x - sae.b_dec) @ sae.W_enc + sae.b_enc).relu().numpy()
    _, acts = engine.activations(TEXT, ["0-res-std"])
    np.testing.assert_allclose(acts["0-res-std"], expected, rtol=1e-5, atol=1e-5)


def test_tokens_are_the_packs_display_strings_of_the_text_only(engine: InferenceEngine) -> None:
    tokens, acts = engine.activations(TEXT)
    assert "".join(tokens) == TEXT
    assert all(a.shape[0] == len(tokens) for a in acts.values())
    assert set(acts) == {"0-mlp", "0-res-topk", "0-res-std"}


def test_feature_activation_is_one_column_with_its_max(engine: InferenceEngine) -> None:
    _, acts = engine.activations(TEXT, ["0-res-std"])
    index = int(acts["0-res-std"].max(axis=0).argmax())
    out = engine.feature_activation(TEXT, "0-res-std", index)
    np.testing.assert_allclose(out["values"], acts["0-res-std"][:, index], atol=1e-4)
    assert out["max_value"] == pytest.approx(float(acts["0-res-std"][:, index].max()), abs=1e-4)
    assert out["max_value"] > 0


def ranking(acts: dict[str, np.ndarray], positions: list[int] | None = None) -> list[tuple[str, int, float]]:
    """Every (source, index, score) by brute force, best first, firing ones only."""
    rows = []
    for slug, a in acts.items():
        scores = a[positions].sum(axis=0) if positions else a.max(axis=0)
        rows += [(slug, i, float(s)) for i, s in enumerate(scores) if s > 0]
    return sorted(rows, key=lambda r: -r[2])


def test_search_ranks_features_by_max_activation_over_the_text(engine: InferenceEngine) -> None:
    _, acts = engine.activations(TEXT)
    expected = ranking(acts)[:10]
    out = engine.search_all(TEXT, num_results=10)
    assert [(r["source"], r["index"]) for r in out["results"]] == [(s, i) for s, i, _ in expected]
    assert [r["max_value"] for r in out["results"]] == pytest.approx([v for *_, v in expected], abs=1e-4)


def test_search_results_carry_the_features_values(engine: InferenceEngine) -> None:
    _, acts = engine.activations(TEXT)
    out = engine.search_all(TEXT, num_results=5)
    for r in out["results"]:
        np.testing.assert_allclose(r["values"], acts[r["source"]][:, r["index"]], atol=1e-4)


def test_search_sorts_by_the_sum_over_chosen_tokens(engine: InferenceEngine) -> None:
    _, acts = engine.activations(TEXT)
    positions = [1, 3]
    expected = ranking(acts, positions)[:8]
    out = engine.search_all(TEXT, sort_by_token_indexes=positions, num_results=8)
    assert [(r["source"], r["index"]) for r in out["results"]] == [(s, i) for s, i, _ in expected]
    assert expected != ranking(acts)[:8]  # the choice of tokens really changes the order


def test_search_can_be_limited_to_some_sources(engine: InferenceEngine) -> None:
    out = engine.search_all(TEXT, sources=["0-mlp"], num_results=100)
    assert out["results"] and {r["source"] for r in out["results"]} == {"0-mlp"}


def test_search_leaves_out_features_that_do_not_fire(engine: InferenceEngine) -> None:
    _, acts = engine.activations(TEXT, ["0-res-topk"])
    firing = int((acts["0-res-topk"].max(axis=0) > 0).sum())
    out = engine.search_all(TEXT, sources=["0-res-topk"], num_results=100)
    assert len(out["results"]) == firing < 64


def test_text_over_the_token_limit_is_refused(engine: InferenceEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "max_tokens", 3)
    with pytest.raises(InferenceError) as err:
        engine.search_all(TEXT)
    assert (err.value.status, err.value.field) == (400, "text")
    assert "at most 3 tokens" in err.value.message


def test_the_token_limit_never_exceeds_the_models_context(engine: InferenceEngine) -> None:
    assert engine.max_tokens == engine.model.cfg.n_ctx - 1  # BOS takes one position


def test_empty_text_is_refused(engine: InferenceEngine) -> None:
    with pytest.raises(InferenceError) as err:
        engine.feature_activation("   ", "0-mlp", 0)
    assert (err.value.status, err.value.field) == (400, "text")


def test_an_unknown_source_is_not_found(engine: InferenceEngine) -> None:
    with pytest.raises(InferenceError) as err:
        engine.feature_activation(TEXT, "9-mlp", 0)
    assert (err.value.status, err.value.field) == (404, "source")


def test_an_index_past_the_sources_width_is_not_found(engine: InferenceEngine) -> None:
    with pytest.raises(InferenceError) as err:
        engine.feature_activation(TEXT, "0-mlp", 32)
    assert (err.value.status, err.value.field) == (404, "index")


def test_a_sort_position_past_the_text_is_refused(engine: InferenceEngine) -> None:
    with pytest.raises(InferenceError) as err:
        engine.search_all(TEXT, sort_by_token_indexes=[0, 500])
    assert (err.value.status, err.value.field) == (400, "sort_by_token_indexes")


def test_a_pack_without_pack_json_is_unavailable(tmp_path) -> None:
    with pytest.raises(InferenceError) as err:
        InferenceEngine.from_pack(tmp_path)
    assert err.value.status == 503
