import numpy as np
import torch

from pipeline.logit_lens import decoder_neighbours, logit_lens


def test_logit_lens_ranks_promoted_and_suppressed_tokens():
    W_U = torch.eye(4, 12)  # direction i promotes token i
    dirs = torch.tensor([[3.0, 0, 0, -2.0], [0, 1.0, 0, 0]])
    out = logit_lens(dirs, W_U, k=2)
    assert out["logit_top_ids"][0].tolist()[0] == 0 and np.isclose(out["logit_top_vals"][0][0], 3.0)
    assert out["logit_bot_ids"][0].tolist()[0] == 3 and np.isclose(out["logit_bot_vals"][0][0], -2.0)
    assert out["logit_top_ids"].dtype == np.int32 and out["logit_top_ids"].shape == (2, 2)


def test_logit_moments_match_the_standardised_formulas():
    torch.manual_seed(0)
    W_U = torch.randn(8, 50)
    dirs = torch.randn(3, 8)
    out = logit_lens(dirs, W_U)
    x = (dirs @ W_U).numpy().astype(np.float64)
    z = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
    assert np.allclose(out["logit_std"], x.std(1), rtol=1e-4)
    assert np.allclose(out["logit_skew"], (z ** 3).mean(1), atol=1e-4)
    assert np.allclose(out["logit_kurt"], (z ** 4).mean(1), atol=1e-4)


def test_a_one_hot_logit_vector_has_the_expected_kurtosis():
    V = 100
    W_U = torch.zeros(1, V)
    W_U[0, 7] = 1.0
    out = logit_lens(torch.ones(1, 1), W_U)
    # one spike among V values: mean(z^4) = (V-1)^2/V... closed form for a Bernoulli(1/V) vector
    p = 1 / V
    expected = (1 - 3 * p + 3 * p * p) / (p * (1 - p))
    assert np.isclose(out["logit_kurt"][0], expected, rtol=1e-3)
    assert out["logit_top_ids"][0][0] == 7


def test_neighbours_exclude_self_and_sort_by_cosine():
    dec = torch.tensor([[1.0, 0], [0.9, 0.1], [0, 1.0], [-1.0, 0]])
    out = decoder_neighbours(dec, k=2)
    assert out["neighbour_idx"][0].tolist() == [1, 2]
    assert 0 not in out["neighbour_idx"][0].tolist()
    assert out["neighbour_cos"][0][0] > out["neighbour_cos"][0][1]
