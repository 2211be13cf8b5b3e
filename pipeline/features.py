"""Feature records for every feature of every source: runs the model (+ SAE encode) over the
whole corpus twice (see `records.py`) and adds the logit lens and decoder neighbours."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np
import torch
from tqdm import tqdm
from transformer_lens import HookedTransformer

from .logit_lens import decoder_neighbours, logit_lens
from .records import Documents, FeatureScanner, RecordConfig


@dataclass
class SourceSpec:
    """One source of features: raw neurons at a hook, or an SAE reading a hook."""

    slug: str
    kind: str  # "neurons" or "sae"
    layer: int
    hook_point: str
    width: int
    sae: object | None = None  # a sae_lens SAE for kind == "sae"
    architecture: str = ""
    weights_path: str = ""
    metrics: dict = field(default_factory=dict)

    @torch.no_grad()
    def encode(self, hook_acts: torch.Tensor) -> torch.Tensor:
        return hook_acts if self.sae is None else self.sae.encode(hook_acts)


def iter_chunks(n_tokens: int, n_ctx: int, overlap: int) -> Iterator[tuple[int, int, int]]:
    """(context start, kept start, kept end): every token is kept exactly once and, except near the
    start of the stream, sees at least `overlap` tokens of left context. Inputs are all n_ctx long."""
    # A context no longer than the overlap would never move on: keep at least half of it new.
    overlap = min(overlap, n_ctx // 2)
    stride = n_ctx - overlap
    n_ctx = min(n_ctx, n_tokens)
    k = 0
    while k * stride < n_tokens:
        keep_s, keep_e = k * stride, min((k + 1) * stride, n_tokens)
        ctx = max(0, min(keep_s - overlap, n_tokens - n_ctx))
        yield ctx, keep_s, keep_e
        k += 1


@torch.no_grad()
def _run_batches(model: HookedTransformer, tokens: np.ndarray, bos: np.ndarray, hooks: list[str],
                 n_ctx: int, overlap: int, batch: int, desc: str, progress: bool,
                 prepend: int | None = None) -> Iterator[tuple[int, dict[str, torch.Tensor]]]:
    """Yield (start, {hook: acts [N, d]}) for contiguous kept tokens; BOS rows zeroed."""
    chunks = list(iter_chunks(len(tokens), n_ctx, overlap))
    is_bos = np.zeros(len(tokens), dtype=bool)
    is_bos[bos] = True
    for i in tqdm(range(0, len(chunks), batch), desc=desc, disable=not progress):
        group = chunks[i:i + batch]
        x = torch.from_numpy(np.stack([tokens[c:c + n_ctx] for c, _, _ in group]).astype(np.int64))
        if prepend is not None:  # models that expect a BOS in front of every input (GPT-2)
            x = torch.cat([torch.full((x.shape[0], 1), prepend, dtype=torch.long), x], dim=1)
        _, cache = model.run_with_cache(x, names_filter=lambda n: n in hooks)
        off = 0 if prepend is None else 1
        start = group[0][1]
        out = {}
        for h in hooks:
            parts = [cache[h][j, off + ks - c: off + ke - c] for j, (c, ks, ke) in enumerate(group)]
            a = torch.cat(parts).float()
            a[torch.from_numpy(is_bos[start:start + a.shape[0]])] = 0
            out[h] = a
        yield start, out


@torch.no_grad()
def extract_features(
    model: HookedTransformer, tokens: np.ndarray, doc_starts: np.ndarray, sources: list[SourceSpec], *,
    cfg: RecordConfig = RecordConfig(), seed: int = 0, n_ctx: int | None = None, overlap: int = 32,
    batch: int = 32, progress: bool = True, prepend: int | None = None,
    report: Callable[[float], None] | None = None,
) -> dict[str, dict[str, np.ndarray]]:
    """Per-source PACK_FORMAT feature arrays (stats, records, logit lens, neighbours).
    `report(fraction)` is called after every batch of both passes (for a progress bar)."""
    n_ctx = n_ctx or model.cfg.n_ctx
    docs = Documents(doc_starts, len(tokens))
    hooks = sorted({s.hook_point for s in sources})
    scanners = {s.slug: FeatureScanner(s.width, tokens, docs, cfg, seed=seed + i) for i, s in enumerate(sources)}
    run = dict(model=model, tokens=tokens, bos=docs.bos, hooks=hooks, n_ctx=n_ctx, overlap=overlap,
               batch=batch, progress=progress, prepend=prepend)
    n_chunks = sum(1 for _ in iter_chunks(len(tokens), n_ctx, overlap))
    steps, done = 2 * -(-n_chunks // batch), 0
    for start, acts in _run_batches(desc="records pass 1/2", **run):
        for s in sources:
            scanners[s.slug].observe(s.encode(acts[s.hook_point]), start)
        done += 1
        if report:
            report(done / steps)
    for s in tqdm(sources, desc="select windows", disable=not progress):
        scanners[s.slug].select()
    for start, acts in _run_batches(desc="records pass 2/2", **run):
        for s in sources:
            scanners[s.slug].observe_values(s.encode(acts[s.hook_point]), start)
        done += 1
        if report:
            report(done / steps)
    out = {}
    for s in sources:
        arrays = scanners[s.slug].finish()
        arrays.update(logit_lens(source_directions(model, s), model.W_U.detach().float()))
        arrays.update(decoder_neighbours(source_decoder(model, s)))
        out[s.slug] = arrays
    return out


def _layer_of(hook_point: str) -> int:
    return int(hook_point.split(".")[1])


def source_decoder(model: HookedTransformer, s: SourceSpec) -> torch.Tensor:
    """Each feature's write direction in its own space (SAE W_dec rows; a neuron's W_out row)."""
    return decoder_rows(model, s.hook_point, s.sae)


def decoder_rows(model: HookedTransformer, hook_point: str, sae=None) -> torch.Tensor:
    if sae is not None:
        return sae.W_dec.detach().float()
    return model.blocks[_layer_of(hook_point)].mlp.W_out.detach().float()


def source_directions(model: HookedTransformer, s: SourceSpec) -> torch.Tensor:
    """Each feature's direction in the residual stream, for the logit lens."""
    dec = source_decoder(model, s)
    if "mlp.hook_post" in s.hook_point and s.sae is not None:
        dec = dec @ model.blocks[_layer_of(s.hook_point)].mlp.W_out.detach().float()
    return dec
