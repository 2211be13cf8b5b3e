"""Logit lens of feature directions and decoder-cosine neighbours.

Statistics follow "Understanding SAE Features with the Logit Lens": standardise a feature's logit
weights over the vocabulary, then skewness = mean(z^3) and kurtosis = mean(z^4).
"""

from __future__ import annotations

import numpy as np
import torch


@torch.no_grad()
def logit_lens(directions: torch.Tensor, W_U: torch.Tensor, k: int = 10, batch: int = 1024) -> dict[str, np.ndarray]:
    """directions [F, d_model], W_U [d_model, V] -> top/bottom-k tokens and moments per feature."""
    F = directions.shape[0]
    k = min(k, W_U.shape[1])
    out = {name: [] for name in ("logit_top_ids", "logit_top_vals", "logit_bot_ids", "logit_bot_vals",
                                 "logit_std", "logit_skew", "logit_kurt")}
    for i in range(0, F, batch):
        logits = directions[i:i + batch].float() @ W_U.float()
        top = torch.topk(logits, k, dim=1)
        bot = torch.topk(-logits, k, dim=1)
        mean = logits.mean(dim=1, keepdim=True)
        std = logits.std(dim=1, unbiased=False, keepdim=True)
        z = (logits - mean) / std.clamp_min(1e-12)
        out["logit_top_ids"].append(top.indices.int())
        out["logit_top_vals"].append(top.values)
        out["logit_bot_ids"].append(bot.indices.int())
        out["logit_bot_vals"].append(-bot.values)
        out["logit_std"].append(std[:, 0])
        out["logit_skew"].append((z ** 3).mean(dim=1))
        out["logit_kurt"].append((z ** 4).mean(dim=1))
    res = {n: torch.cat(v).numpy() for n, v in out.items()}
    for n in res:
        if n.endswith("_ids"):
            res[n] = res[n].astype(np.int32).reshape(F, k)
        else:
            res[n] = res[n].astype(np.float32)
    return res


@torch.no_grad()
def decoder_neighbours(decoder: torch.Tensor, k: int = 10, batch: int = 1024) -> dict[str, np.ndarray]:
    """Top-k cosine neighbours of each row of `decoder` [F, d], itself excluded."""
    F = decoder.shape[0]
    k = min(k, F - 1)
    unit = decoder.float() / decoder.float().norm(dim=1, keepdim=True).clamp_min(1e-12)
    idx, cos = [], []
    for i in range(0, F, batch):
        sims = unit[i:i + batch] @ unit.T
        rows = torch.arange(i, min(i + batch, F))
        sims[rows - i, rows] = -float("inf")
        top = torch.topk(sims, k, dim=1)
        idx.append(top.indices.int())
        cos.append(top.values)
    return {"neighbour_idx": torch.cat(idx).numpy().astype(np.int32).reshape(F, k),
            "neighbour_cos": torch.cat(cos).numpy().astype(np.float32).reshape(F, k)}
