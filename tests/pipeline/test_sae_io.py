"""Our SAEs are saved in SAELens's own on-disk format and load back with SAE.load_from_disk."""

import json

import torch
from sae_lens import SAE

from pipeline.train_sae import evaluate_sae, save_sae, train_topk_sae


def test_trained_topk_sae_round_trips_through_saelens_format(tmp_path):
    torch.manual_seed(0)
    # sparse combinations of 32 directions: what an SAE can actually learn
    codes = torch.rand(4096, 32) * (torch.rand(4096, 32) < 3 / 32)
    acts = codes @ torch.randn(32, 16)
    sae = train_topk_sae(acts, d_sae=32, k=4, hook_name="blocks.0.hook_resid_post", model_name="m",
                         context_size=8, epochs=20, batch=256, lr=5e-3, progress=False)
    loaded = save_sae(sae, tmp_path / "sae")
    cfg = json.loads((tmp_path / "sae" / "cfg.json").read_text())
    assert cfg["architecture"] == "topk" and cfg["d_sae"] == 32 and cfg["k"] == 4
    assert (tmp_path / "sae" / "sae_weights.safetensors").is_file()
    again = SAE.load_from_disk(str(tmp_path / "sae"))
    x = acts[:64]
    assert torch.allclose(again.encode(x), sae.encode(x), atol=1e-4)
    assert again.cfg.metadata.hook_name == "blocks.0.hook_resid_post"
    m = evaluate_sae(loaded, acts)
    assert m.l0 <= 4 and m.fvu < 0.5
