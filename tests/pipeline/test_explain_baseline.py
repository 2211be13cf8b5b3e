import numpy as np
import torch

from pipeline.explain_baseline import AUTHOR_MODEL, explain_source
from pipeline.logit_lens import logit_lens
from pipeline.records import RecordConfig, scan_activations


def test_baseline_names_the_token_a_feature_fires_on():
    rng = np.random.default_rng(0)
    tokens = rng.integers(3, 40, 4000).astype(np.int32)
    tokens[[0, 2000]] = 0
    acts = np.zeros((len(tokens), 2), dtype=np.float32)
    acts[tokens == 5, 0] = 1.0 + rng.random((tokens == 5).sum())
    acts[tokens == 9, 1] = 1.0 + rng.random((tokens == 9).sum())
    a = scan_activations(torch.tensor(acts), tokens, np.array([0, 2000]), RecordConfig(n_pool=8))
    a.update(logit_lens(torch.eye(2, 4), torch.eye(4, 40)))
    vocab = [f"tok{i}" for i in range(40)]
    out = explain_source(a, tokens, vocab)
    assert [e["index"] for e in out] == [0, 1]
    assert out[0]["text"].startswith('the token "tok5"') and '"tok9"' not in out[0]["text"]
    assert out[1]["text"].startswith('the token "tok9"')
    assert out[0]["author_model"] == AUTHOR_MODEL


def test_a_dead_feature_is_called_dead():
    tokens = np.zeros(200, dtype=np.int32)
    tokens[1:] = 3
    a = scan_activations(torch.zeros(200, 1), tokens, np.array([0]), RecordConfig(n_pool=2))
    a.update(logit_lens(torch.ones(1, 2), torch.ones(2, 5)))
    assert "dead" in explain_source(a, tokens, ["x"] * 5)[0]["text"]
