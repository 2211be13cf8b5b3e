"""Records logic on small synthetic activations (no model)."""

import numpy as np
import torch

from pipeline.pack import record_values
from pipeline.records import KIND_QUANTILE, KIND_RANDOM, KIND_TOP, RecordConfig, scan_activations

PATTERN = [1, 2, 3, 7, 4, 5, 6]  # token 7 in the same context every time


def _corpus(n: int = 3000, seed: int = 0):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(10, 60, size=n).astype(np.int32)
    doc_starts = np.array([0, 1000, 2000])
    tokens[doc_starts] = 0
    return tokens, doc_starts


def _scan(acts, tokens, doc_starts, **cfg):
    return scan_activations(torch.as_tensor(acts, dtype=torch.float32), tokens, doc_starts,
                            RecordConfig(**cfg), batch=700)


def _top(arrays, f):
    idx = np.flatnonzero((arrays["rec_feature"] == f) & (arrays["rec_kind"] == KIND_TOP))
    return idx[np.argsort(arrays["rec_rank"][idx])]


def test_near_duplicate_windows_are_kept_once_and_counted():
    tokens, docs = _corpus()
    acts = np.zeros((len(tokens), 1))
    repeats = [100, 300, 500, 700, 1200]
    for i, p in enumerate(repeats):
        tokens[p:p + 7] = PATTERN
        acts[p + 3, 0] = 5.0 - 0.1 * i
    acts[1500, 0] = 2.0  # a different context
    a = _scan(acts, tokens, docs)
    top = _top(a, 0)
    assert len(top) == 2
    assert a["rec_duplicates"][top[0]] == len(repeats) - 1
    assert a["rec_duplicates"][top[1]] == 0
    assert np.isclose(a["rec_max"][top[0]], 5.0)


def test_top_window_holds_its_max_token_three_quarters_in():
    tokens, docs = _corpus()
    acts = np.zeros((len(tokens), 1))
    acts[1500, 0] = 3.0
    a = _scan(acts, tokens, docs)
    r = _top(a, 0)[0]
    start, length = a["rec_start"][r], a["rec_length"][r]
    assert start <= 1500 < start + length and length == 64
    assert a["rec_max_pos"][r] == 1500 - start == 47
    assert record_values(a, r)[47] == 3.0


def test_windows_are_clipped_to_their_document():
    tokens, docs = _corpus()
    acts = np.zeros((len(tokens), 1))
    acts[1005, 0] = 1.0  # 5 tokens into the second document
    a = _scan(acts, tokens, docs)
    r = _top(a, 0)[0]
    assert a["rec_start"][r] == 1001  # first text token after the BOS at 1000
    assert a["rec_length"][r] == 64
    assert a["rec_max_pos"][r] == 4


def test_held_out_records_are_every_third_rank_from_three():
    tokens, docs = _corpus()
    acts = np.zeros((len(tokens), 1))
    for i, p in enumerate(range(40, 2960, 120)):
        if p not in docs:
            acts[p, 0] = 10.0 - 0.01 * i
    a = _scan(acts, tokens, docs)
    top = _top(a, 0)
    assert len(top) == 20
    held = [int(a["rec_rank"][r]) for r in top if a["rec_held_out"][r]]
    assert held == [3, 6, 9, 12, 15]


def test_quantile_records_fall_in_their_bins():
    tokens, docs = _corpus()
    rng = np.random.default_rng(1)
    acts = np.where(rng.random((len(tokens), 1)) < 0.05, rng.random((len(tokens), 1)), 0.0)
    a = _scan(acts, tokens, docs)
    q = np.flatnonzero(a["rec_kind"] == KIND_QUANTILE)
    assert len(q) >= 10
    edges = np.linspace(0, a["max_activation"][0], 11)  # 10 equal-width bins over (0, max]
    for r in q:
        b = a["rec_bin"][r]
        v = record_values(a, r)
        assert np.any((v >= edges[b] - 1e-6) & (v <= edges[b + 1] + 1e-6)), (b, v[v > 0])
    counts = np.bincount(a["rec_bin"][q], minlength=10)
    assert counts.max() <= 2


def test_histogram_counts_every_firing_token():
    tokens, docs = _corpus()
    rng = np.random.default_rng(2)
    acts = np.where(rng.random((len(tokens), 2)) < 0.1, rng.random((len(tokens), 2)) + 0.01, 0.0)
    acts[docs] = 0
    a = _scan(acts, tokens, docs)
    assert a["hist_counts"].sum(axis=1).tolist() == (acts > 0).sum(axis=0).tolist()
    assert np.allclose(a["frac_nonzero"], (acts > 0).sum(axis=0) / (len(tokens) - len(docs)))
    assert np.allclose(a["max_activation"], acts.max(axis=0))


def test_random_records_prefer_windows_where_the_feature_is_silent():
    tokens, docs = _corpus()
    acts = np.zeros((len(tokens), 1))
    acts[::50, 0] = 1.0  # fires every 50 tokens: every 64-token window sees it
    acts[2000:, 0] = 0.0  # ... except in the last document
    a = _scan(acts, tokens, docs, n_random=4, n_random_unseen=0)
    rnd = np.flatnonzero(a["rec_kind"] == KIND_RANDOM)
    assert len(rnd) == 4
    assert all(a["rec_start"][r] >= 2000 and a["rec_max"][r] == 0 for r in rnd)


def test_unseen_records_are_disjoint_from_clues_and_scoring_records():
    tokens, docs = _corpus()
    acts = np.zeros((len(tokens), 1))
    acts[::37, 0] = np.linspace(1.0, 3.0, len(acts[::37, 0]))
    a = _scan(acts, tokens, docs, n_random=3, n_random_unseen=2, held_out_ranks=(1, 3), unseen_ranks=(2, 4))
    top, rnd = a["rec_kind"] == 0, a["rec_kind"] == KIND_RANDOM
    assert not np.any(a["rec_held_out"] & a["rec_unseen"])
    assert sorted(a["rec_rank"][top & a["rec_unseen"]].tolist()) == [2, 4]
    assert sorted(a["rec_rank"][top & a["rec_held_out"]].tolist()) == [1, 3]
    assert rnd.sum() == 5 and (rnd & a["rec_unseen"]).sum() == 2
