"""Train the demo transformer (TransformerLens `HookedTransformer`) on the corpus stream."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from tqdm import tqdm
from transformer_lens import HookedTransformer, HookedTransformerConfig


DEMO_MODEL_SLUG = "lp-prose-2l-v2"


def demo_config(d_vocab: int, seed: int = 0, slug: str = DEMO_MODEL_SLUG, n_layers: int = 2) -> dict:
    """HookedTransformerConfig kwargs of the demo model (JSON-serialisable, stored as cfg.json)."""
    return dict(
        n_layers=n_layers, d_model=128, d_head=32, n_heads=4, d_mlp=512, d_vocab=d_vocab, n_ctx=128,
        act_fn="gelu", normalization_type="LN", positional_embedding_type="standard",
        model_name=slug, seed=seed, device="cpu", default_prepend_bos=False,
        tokenizer_prepends_bos=False,
    )


def set_deterministic(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)
    # CPU kernels used here are deterministic already; the flag only costs speed.
    torch.set_num_threads(max(1, torch.get_num_threads()))


def build_model(cfg: dict) -> HookedTransformer:
    return HookedTransformer(HookedTransformerConfig(**cfg))


@dataclass
class TrainResult:
    validation_loss: float
    train_tokens: int
    seconds: float


def _batches(stream: np.ndarray, n_ctx: int, batch: int, gen: torch.Generator) -> torch.Tensor:
    starts = torch.randint(0, len(stream) - n_ctx, (batch,), generator=gen).numpy()
    return torch.from_numpy(np.stack([stream[s:s + n_ctx] for s in starts]).astype(np.int64))


@torch.no_grad()
def evaluate(model: HookedTransformer, stream: np.ndarray, n_ctx: int, batch: int = 32) -> float:
    """Mean next-token loss over non-overlapping windows of the (validation) stream."""
    model.eval()
    n = len(stream) // n_ctx
    windows = torch.from_numpy(stream[: n * n_ctx].reshape(n, n_ctx).astype(np.int64))
    total, count = 0.0, 0
    for i in range(0, n, batch):
        x = windows[i:i + batch]
        loss = model(x, return_type="loss")
        total += float(loss) * x.shape[0]
        count += x.shape[0]
    model.train()
    return total / max(count, 1)


def train_model(
    train_stream: np.ndarray, val_stream: np.ndarray, cfg: dict, *, seed: int = 0,
    train_tokens: int = 2_500_000, batch: int = 32, lr: float = 3e-3, progress: bool = True,
) -> tuple[HookedTransformer, TrainResult]:
    """AdamW with warm-up and cosine decay on random windows of the training stream."""
    set_deterministic(seed)
    model = build_model(cfg)
    n_ctx = cfg["n_ctx"]
    steps = max(1, train_tokens // (batch * n_ctx))
    warmup = max(1, steps // 20)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1, betas=(0.9, 0.95))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    model.train()
    bar = tqdm(range(steps), desc="train model", disable=not progress)
    for step in bar:
        x = _batches(train_stream, n_ctx, batch, gen)
        loss = model(x, return_type="loss")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 20 == 0:
            bar.set_postfix(loss=f"{float(loss.detach()):.3f}")
    val = evaluate(model, val_stream, n_ctx)
    model.eval()
    return model, TrainResult(validation_loss=val, train_tokens=steps * batch * n_ctx, seconds=time.time() - t0)


def save_model(model: HookedTransformer, cfg: dict, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "cfg.json").write_text(json.dumps(cfg, indent=1))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(directory / "model.safetensors"))


def load_model(directory: Path) -> HookedTransformer:
    cfg = json.loads((Path(directory) / "cfg.json").read_text())
    model = build_model(cfg)
    model.load_state_dict(load_file(str(Path(directory) / "model.safetensors")))
    model.eval()
    return model
