"""Small SAEs in SAELens's on-disk format, made by the tests, and posting them as a browser would."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from django.core.files.uploadedfile import SimpleUploadedFile
from sae_lens import TopKSAE, TopKSAEConfig
from sae_lens.saes.sae import SAEMetadata

HOOK = "blocks.0.hook_resid_post"


def write_sae(folder: Path, *, d_in: int = 16, d_sae: int = 12, k: int = 3, hook: str = HOOK, seed: int = 1) -> Path:
    """A TopK SAE with random weights (and biases, so features fire on different tokens)."""
    torch.manual_seed(seed)
    sae = TopKSAE(TopKSAEConfig(d_in=d_in, d_sae=d_sae, k=k, metadata=SAEMetadata(hook_name=hook)))
    with torch.no_grad():
        sae.W_enc.normal_(0, 1.0)
        sae.b_enc.normal_(0, 0.3)
    sae.save_model(folder)
    return folder


def files(folder: Path, *, cfg: bytes | None = None, weights: bytes | None = None,
          weights_name: str = "sae_weights.safetensors") -> dict:
    return {
        "cfg": SimpleUploadedFile("cfg.json", cfg if cfg is not None else (folder / "cfg.json").read_bytes(),
                                  content_type="application/json"),
        "weights": SimpleUploadedFile(weights_name, weights if weights is not None
                                      else (folder / "sae_weights.safetensors").read_bytes(),
                                      content_type="application/octet-stream"),
    }


def cfg_with(folder: Path, **changes) -> bytes:
    cfg = json.loads((folder / "cfg.json").read_text())
    for key, value in changes.items():
        if key == "hook_name":
            cfg.setdefault("metadata", {})["hook_name"] = value
        else:
            cfg[key] = value
    return json.dumps(cfg).encode()
