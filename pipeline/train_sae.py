"""Train TopK SAEs (sae-lens `TopKTrainingSAE`) on activations we collect ourselves.

SAELens's LanguageModel runner wants HF datasets; here the activations come straight from the
demo model, so we drive `training_forward_pass` (MSE + the TopK aux-k loss that revives dead
latents) with our own AdamW loop, then save with `save_inference_model`, SAELens's own on-disk
format, which `SAE.load_from_disk` reads back as an inference `TopKSAE`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from sae_lens import SAE
from sae_lens.saes.sae import SAEMetadata, TrainStepInput
from sae_lens.saes.topk_sae import TopKTrainingSAE, TopKTrainingSAEConfig
from tqdm import tqdm
from transformer_lens import HookedTransformer


@torch.no_grad()
def collect_activations(
    model: HookedTransformer, stream: np.ndarray, hook_names: list[str], *, n_tokens: int,
    seed: int = 0, batch: int = 64, skip_first: int = 4, progress: bool = True,
) -> dict[str, torch.Tensor]:
    """Activations at `hook_names` on random windows of `stream` (first positions dropped: they
    lack context and are outliers the SAE would waste latents on)."""
    n_ctx = model.cfg.n_ctx
    per_window = n_ctx - skip_first
    n_windows = max(1, n_tokens // per_window)
    gen = torch.Generator().manual_seed(seed)
    starts = torch.randint(0, max(1, len(stream) - n_ctx), (n_windows,), generator=gen).numpy()
    out: dict[str, list[torch.Tensor]] = {h: [] for h in hook_names}
    for i in tqdm(range(0, n_windows, batch), desc="collect activations", disable=not progress):
        x = torch.from_numpy(np.stack([stream[s:s + n_ctx] for s in starts[i:i + batch]]).astype(np.int64))
        _, cache = model.run_with_cache(x, names_filter=lambda n: n in hook_names)
        for h in hook_names:
            a = cache[h][:, skip_first:]
            out[h].append(a.reshape(-1, a.shape[-1]).clone())
    return {h: torch.cat(v) for h, v in out.items()}


@dataclass
class SaeMetrics:
    fvu: float
    l0: float
    alive_fraction: float  # fraction of latents firing on the held-out activations

    def as_dict(self) -> dict:
        return {"fvu": round(self.fvu, 4), "l0": round(self.l0, 2), "alive_fraction": round(self.alive_fraction, 4)}


def make_training_sae(d_in: int, d_sae: int, k: int, *, hook_name: str, model_name: str,
                      context_size: int) -> TopKTrainingSAE:
    cfg = TopKTrainingSAEConfig(
        d_in=d_in, d_sae=d_sae, k=k, aux_loss_coefficient=1.0, rescale_acts_by_decoder_norm=True,
        metadata=SAEMetadata(model_name=model_name, hook_name=hook_name, context_size=context_size,
                             prepend_bos=False),
    )
    return TopKTrainingSAE(cfg)


def train_topk_sae(
    acts: torch.Tensor, *, d_sae: int, k: int, hook_name: str, model_name: str, context_size: int,
    seed: int = 0, epochs: float = 3.0, batch: int = 1024, lr: float = 2e-3,
    dead_after_tokens: int = 100_000, resample_at: tuple[float, ...] = (0.15, 0.3, 0.45, 0.6, 0.75), progress: bool = True,
) -> TopKTrainingSAE:
    torch.manual_seed(seed)
    sae = make_training_sae(acts.shape[1], d_sae, k, hook_name=hook_name, model_name=model_name,
                            context_size=context_size)
    with torch.no_grad():
        sae.b_dec.copy_(acts.median(dim=0).values)  # a robust centre; cheaper than a geometric median
    steps = int(epochs * len(acts) / batch)
    opt = torch.optim.Adam(sae.parameters(), lr=lr, betas=(0.9, 0.999))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 1.0 if s < 0.8 * steps else (steps - s) / (0.2 * steps))
    gen = torch.Generator().manual_seed(seed)
    since_fired = torch.zeros(d_sae, dtype=torch.long)
    bar = tqdm(range(steps), desc=f"train SAE {hook_name}", disable=not progress)
    order = torch.randperm(len(acts), generator=gen)
    pos = 0
    for step in bar:
        if pos + batch > len(order):
            order, pos = torch.randperm(len(acts), generator=gen), 0
        x = acts[order[pos:pos + batch]]
        pos += batch
        out = sae.training_forward_pass(TrainStepInput(
            sae_in=x, coefficients={}, dead_neuron_mask=since_fired > dead_after_tokens,
            n_training_steps=step, is_logging_step=False))
        opt.zero_grad(set_to_none=True)
        out.loss.backward()
        opt.step()
        sched.step()
        with torch.no_grad():
            fired = (out.feature_acts > 0).any(dim=0)
            since_fired += batch
            since_fired[fired] = 0
        if any(step == int(f * steps) for f in resample_at):
            _resample_dead(sae, opt, acts, since_fired > dead_after_tokens, gen)
            since_fired[since_fired > dead_after_tokens] = 0
        if step % 50 == 0:
            bar.set_postfix(mse=f"{float(out.losses['mse_loss'].detach()):.3f}",
                            dead=int((since_fired > dead_after_tokens).sum()))
    return sae


@torch.no_grad()
def _resample_dead(sae: TopKTrainingSAE, opt: torch.optim.Optimizer, acts: torch.Tensor, dead: torch.Tensor,
                   gen: torch.Generator, pool: int = 8192) -> None:
    """Point dead latents at inputs the SAE reconstructs badly (aux-k alone does not revive them
    all on small residual streams). Encoder and decoder get the residual's direction at the
    alive latents' typical norms; their optimiser state is reset."""
    idx = dead.nonzero().squeeze(1)
    if len(idx) == 0:
        return
    x = acts[torch.randint(0, len(acts), (pool,), generator=gen)]
    err = x - sae.decode(sae.encode(x))
    weights = err.pow(2).sum(dim=1)
    pick = torch.multinomial(weights / weights.sum(), len(idx), replacement=len(idx) > pool, generator=gen)
    dirs = err[pick] / err[pick].norm(dim=1, keepdim=True).clamp_min(1e-8)
    alive = ~dead
    dec_norm = sae.W_dec[alive].norm(dim=1).mean()
    enc_norm = sae.W_enc[:, alive].norm(dim=0).mean()
    sae.W_dec.data[idx] = dirs * dec_norm
    sae.W_enc.data[:, idx] = dirs.T * enc_norm
    sae.b_enc.data[idx] = sae.b_enc[alive].mean()
    for p, dim in ((sae.W_dec, 0), (sae.W_enc, 1), (sae.b_enc, 0)):
        state = opt.state.get(p, {})
        for key in ("exp_avg", "exp_avg_sq"):
            if key in state:
                state[key].index_fill_(dim, idx, 0.0)


@torch.no_grad()
def evaluate_sae(sae: SAE, acts: torch.Tensor, batch: int = 4096) -> SaeMetrics:
    mean = acts.mean(dim=0)
    err, var, l0 = 0.0, 0.0, 0.0
    fired = torch.zeros(sae.cfg.d_sae, dtype=torch.bool)
    for i in range(0, len(acts), batch):
        x = acts[i:i + batch]
        f = sae.encode(x)
        x_hat = sae.decode(f)
        err += float(((x - x_hat) ** 2).sum())
        var += float(((x - mean) ** 2).sum())
        l0 += float((f > 0).sum())
        fired |= (f > 0).any(dim=0)
    return SaeMetrics(fvu=err / max(var, 1e-12), l0=l0 / len(acts), alive_fraction=float(fired.float().mean()))


def save_sae(sae: TopKTrainingSAE, directory: Path) -> SAE:
    """Save in SAELens's inference format and prove it loads back."""
    sae.save_inference_model(directory)
    return SAE.load_from_disk(str(directory))
