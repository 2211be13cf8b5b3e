"""Small SAEs in SAELens's on-disk format, made by the tests, and posting them as a browser would."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.inference.model_pack import D_MODEL, write_topk_sae

HOOK = "blocks.0.hook_resid_post"


def write_sae(folder: Path, *, d_in: int = D_MODEL, d_sae: int = 12, k: int = 3, hook: str = HOOK,
              seed: int = 1) -> Path:
    """A TopK SAE with random weights; a unit-scale encoder, so features fire on different tokens."""
    return write_topk_sae(folder, d_in=d_in, d_sae=d_sae, k=k, hook=hook, seed=seed, w_enc_std=1.0)


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
