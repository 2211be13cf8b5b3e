"""Streaming feature statistics and activation records for one source.

The corpus is too big to hold every feature's activation on every token (4k features x 500k
tokens = 2e9 floats), so a `FeatureScanner` makes two streaming passes over activation batches:

pass 1 (`observe`): max, firing count, the top-C firing tokens per feature (torch.topk per batch,
   merged with the running set), a uniform random sample of firing tokens per feature (bottom-k
   sampling with random keys), and each feature's max over a fixed pool of random windows;
`select()`: turns those into windows: diverse top records (overlapping windows are the same text;
   windows with the same max token and the same few tokens either side are near-duplicates, kept
   once and counted in `duplicates`), quantile-bin examples and random non-activating windows;
pass 2 (`observe_values`): exact histograms (the max is now known) and the activation values of
   every chosen window.

Windows are `window` tokens long with the max token about 3/4 of the way in, clipped to its
document. BOS positions must be zeroed by the caller: they are not text.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

KIND_TOP, KIND_QUANTILE, KIND_RANDOM = 0, 1, 2


@dataclass(frozen=True)
class RecordConfig:
    window: int = 64
    max_pos_frac: float = 0.75
    n_top: int = 20
    n_candidates: int = 160
    n_samples: int = 256
    n_bins: int = 10
    per_bin: int = 2
    n_random: int = 8
    n_pool: int = 96
    hist_bins: int = 20
    held_out_ranks: tuple[int, ...] = (3, 6, 9, 12, 15)
    # A third set, never clues and never scored on: snippets kept unseen for a mode where
    # players predict activations themselves. Top ranks, plus this many extra random windows.
    unseen_ranks: tuple[int, ...] = (4, 10, 16)
    n_random_unseen: int = 4
    dup_context: int = 3


class Documents:
    """Document bounds in a token stream where each document starts with a BOS token."""

    def __init__(self, doc_starts: np.ndarray, n_tokens: int):
        self.bos = np.asarray(doc_starts, dtype=np.int64)
        self.n_tokens = n_tokens
        self.ends = np.append(self.bos[1:], n_tokens)

    def bounds(self, pos: int) -> tuple[int, int]:
        """(first text token, end) of the document holding `pos`."""
        d = int(np.searchsorted(self.bos, pos, side="right")) - 1
        return int(self.bos[d]) + 1, int(self.ends[d])

    def window(self, pos: int, length: int, frac: float) -> tuple[int, int]:
        """A window of `length` tokens containing `pos` at about `frac` of the way in."""
        lo, hi = self.bounds(pos)
        start = max(lo, pos - int(round(frac * length)) + 1)
        end = min(hi, start + length)
        start = max(lo, end - length)
        return start, end


def random_pool(docs: Documents, cfg: RecordConfig, seed: int) -> np.ndarray:
    """Non-overlapping random windows [start, end) drawn deterministically from `seed`."""
    rng = np.random.default_rng(seed + 7919)
    text = np.ones(docs.n_tokens, dtype=bool)
    text[docs.bos] = False
    taken = np.zeros(docs.n_tokens, dtype=bool)
    pool: list[tuple[int, int]] = []
    for _ in range(cfg.n_pool * 20):
        if len(pool) >= cfg.n_pool:
            break
        pos = int(rng.integers(0, docs.n_tokens))
        if not text[pos]:
            continue
        s, e = docs.window(pos, cfg.window, 0.5)
        if taken[s:e].any():
            continue
        taken[s:e] = True
        pool.append((s, e))
    return np.asarray(pool, dtype=np.int64).reshape(-1, 2)


class FeatureScanner:
    def __init__(self, n_features: int, tokens: np.ndarray, docs: Documents, cfg: RecordConfig, seed: int = 0):
        self.F, self.cfg, self.tokens, self.docs = n_features, cfg, tokens, docs
        self.gen = torch.Generator().manual_seed(seed)
        self.n_tokens = 0
        self.max = torch.zeros(n_features)
        self.count = torch.zeros(n_features, dtype=torch.long)
        self.cand_val = torch.full((n_features, 0), -1.0)
        self.cand_pos = torch.zeros((n_features, 0), dtype=torch.long)
        self.samp_key = torch.full((n_features, 0), -1.0)
        self.samp_pos = torch.zeros((n_features, 0), dtype=torch.long)
        self.samp_val = torch.zeros((n_features, 0))
        self.pool = random_pool(docs, cfg, seed)
        self.pool_of_token = np.full(docs.n_tokens, -1, dtype=np.int64)
        for i, (s, e) in enumerate(self.pool):
            self.pool_of_token[s:e] = i
        self.pool_max = torch.zeros((len(self.pool), n_features))
        self.records: dict[str, np.ndarray] | None = None

    # ---- pass 1 -------------------------------------------------------------------------
    @staticmethod
    def _merge_topk(vals, pos, new_vals, new_pos, k, extra=None, new_extra=None):
        v = torch.cat([vals, new_vals], dim=1)
        p = torch.cat([pos, new_pos], dim=1)
        top = torch.topk(v, min(k, v.shape[1]), dim=1)
        out = (top.values, torch.gather(p, 1, top.indices))
        if extra is not None:
            out = out + (torch.gather(torch.cat([extra, new_extra], dim=1), 1, top.indices),)
        return out

    def observe(self, acts: torch.Tensor, start: int) -> None:
        """Activations [N, F] of the contiguous tokens start .. start+N-1 (BOS rows zeroed)."""
        n = acts.shape[0]
        bos_rows = int(((self.docs.bos >= start) & (self.docs.bos < start + n)).sum())
        self.n_tokens += n - bos_rows
        at = acts.T.contiguous()
        positive = at > 0
        self.max = torch.maximum(self.max, at.max(dim=1).values.clamp_min(0))
        self.count += positive.sum(dim=1)
        positions = torch.arange(start, start + n).expand(self.F, n)
        k = min(self.cfg.n_candidates, n)
        top = torch.topk(at, k, dim=1)
        self.cand_val, self.cand_pos = self._merge_topk(
            self.cand_val, self.cand_pos, top.values, torch.gather(positions, 1, top.indices), self.cfg.n_candidates)
        keys = torch.rand((self.F, n), generator=self.gen)
        keys = torch.where(positive, keys, torch.full_like(keys, -1.0))
        ks = torch.topk(keys, min(self.cfg.n_samples, n), dim=1)
        self.samp_key, self.samp_pos, self.samp_val = self._merge_topk(
            self.samp_key, self.samp_pos, ks.values, torch.gather(positions, 1, ks.indices), self.cfg.n_samples,
            self.samp_val, torch.gather(at, 1, ks.indices))
        pid = torch.from_numpy(self.pool_of_token[start:start + n])
        rows = pid >= 0
        if rows.any():
            with warnings.catch_warnings():  # index_reduce is marked beta; its amax is what we need
                warnings.simplefilter("ignore")
                self.pool_max.index_reduce_(0, pid[rows], acts[rows], "amax", include_self=True)

    # ---- selection ----------------------------------------------------------------------
    def _context_key(self, pos: int) -> tuple[int, ...]:
        lo, hi = self.docs.bounds(pos)
        c = self.cfg.dup_context
        return tuple(self.tokens[max(lo, pos - c):min(hi, pos + c + 1)].tolist()) + (pos - max(lo, pos - c),)

    def select(self) -> None:
        """Choose every feature's windows from the pass-1 candidates."""
        cfg = self.cfg
        # feat, kind, rank, bin, start, end, dups, held out (scoring), unseen
        rows: list[tuple[int, int, int, int, int, int, int, bool, bool]] = []
        cand_val, cand_pos = self.cand_val.numpy(), self.cand_pos.numpy()
        samp_val, samp_pos = self.samp_val.numpy(), self.samp_pos.numpy()
        samp_key = self.samp_key.numpy()
        pool_max = self.pool_max.numpy()
        fmax = self.max.numpy()
        held, unseen = set(cfg.held_out_ranks), set(cfg.unseen_ranks)
        for f in range(self.F):
            chosen: list[list[int]] = []  # [start, end, dups]
            keys: dict[tuple, int] = {}
            for v, p in zip(cand_val[f], cand_pos[f]):
                if v <= 0:
                    break
                p = int(p)
                if any(s <= p < e for s, e, _ in chosen):
                    continue  # same text as a window we already keep
                key = self._context_key(p)
                if key in keys:
                    chosen[keys[key]][2] += 1
                    continue
                if len(chosen) >= cfg.n_top:
                    continue  # only counting duplicates of kept windows now
                s, e = self.docs.window(p, cfg.window, cfg.max_pos_frac)
                keys[key] = len(chosen)
                chosen.append([s, e, 0])
            for rank, (s, e, d) in enumerate(chosen):
                rows.append((f, KIND_TOP, rank, -1, s, e, d, rank in held, rank in unseen))
            # quantile bins over (0, max]: the uniform sample, topped up with unused candidates
            if fmax[f] > 0:
                ok = samp_key[f] >= 0
                pv = np.concatenate([samp_val[f][ok], cand_val[f][cand_val[f] > 0]])
                pp = np.concatenate([samp_pos[f][ok], cand_pos[f][cand_val[f] > 0]])
                bins = np.minimum((pv / fmax[f] * cfg.n_bins).astype(np.int64), cfg.n_bins - 1)
                used = [(s, e) for s, e, _ in chosen]
                for b in range(cfg.n_bins):
                    rank = 0
                    for p in pp[bins == b]:
                        if rank >= cfg.per_bin:
                            break
                        p = int(p)
                        if any(s <= p < e for s, e in used):
                            continue
                        s, e = self.docs.window(p, cfg.window, cfg.max_pos_frac)
                        used.append((s, e))
                        rows.append((f, KIND_QUANTILE, rank, b, s, e, 0, False, False))
                        rank += 1
            # random windows: pool order is already random; prefer ones where it never fires
            order = np.argsort(pool_max[:, f] > 0, kind="stable")
            n_random = cfg.n_random + cfg.n_random_unseen
            if len(order) and pool_max[order[min(n_random, len(order)) - 1], f] > 0:
                order = np.argsort(pool_max[:, f], kind="stable")
            for rank, i in enumerate(order[:n_random]):
                s, e = self.pool[i]
                rows.append((f, KIND_RANDOM, rank, -1, int(s), int(e), 0, False, rank >= cfg.n_random))
        a = np.asarray([r[:7] for r in rows], dtype=np.int64).reshape(-1, 7)
        self.records = {
            "rec_feature": a[:, 0].astype(np.int32), "rec_kind": a[:, 1].astype(np.uint8),
            "rec_rank": a[:, 2].astype(np.int32), "rec_bin": a[:, 3].astype(np.int16),
            "rec_start": a[:, 4].astype(np.int64), "rec_length": (a[:, 5] - a[:, 4]).astype(np.int32),
            "rec_duplicates": a[:, 6].astype(np.int32),
            "rec_held_out": np.asarray([r[7] for r in rows], dtype=bool),
            "rec_unseen": np.asarray([r[8] for r in rows], dtype=bool),
        }
        # every (record, offset) pair, sorted by corpus position, for the pass-2 gather
        lengths = self.records["rec_length"].astype(np.int64)
        self._ptr = np.concatenate([[0], np.cumsum(lengths)])
        rec_of = np.repeat(np.arange(len(lengths)), lengths)
        offs = np.arange(self._ptr[-1]) - self._ptr[rec_of]
        gpos = self.records["rec_start"][rec_of] + offs
        order = np.argsort(gpos, kind="stable")
        self._gpos = gpos[order]
        self._slot = order  # flat slot index = ptr[rec] + offset
        self._feat = self.records["rec_feature"][rec_of][order].astype(np.int64)
        self._values = np.zeros(self._ptr[-1], dtype=np.float32)
        self.hist_counts = torch.zeros(self.F * cfg.hist_bins, dtype=torch.long)

    # ---- pass 2 -------------------------------------------------------------------------
    def observe_values(self, acts: torch.Tensor, start: int) -> None:
        assert self.records is not None, "call select() after pass 1"
        B = self.cfg.hist_bins
        n = acts.shape[0]
        nz = (acts > 0).nonzero(as_tuple=True)
        v = acts[nz]
        f = nz[1]
        b = (v / self.max[f] * B).long().clamp_(0, B - 1)
        self.hist_counts += torch.bincount(f * B + b, minlength=self.F * B)
        lo, hi = np.searchsorted(self._gpos, [start, start + n])
        if hi > lo:
            r = torch.from_numpy(self._gpos[lo:hi] - start)
            c = torch.from_numpy(self._feat[lo:hi])
            self._values[self._slot[lo:hi]] = acts[r, c].numpy()

    def finish(self) -> dict[str, np.ndarray]:
        """Statistics and records as PACK_FORMAT arrays (logit lens and neighbours added elsewhere)."""
        assert self.records is not None
        B = self.cfg.hist_bins
        fmax = self.max.numpy().astype(np.float32)
        edges = (fmax[:, None] * np.linspace(0, 1, B + 1, dtype=np.float32)[None, :]).astype(np.float32)
        R = len(self.records["rec_feature"])
        rec_max = np.zeros(R, dtype=np.float32)
        rec_max_pos = np.zeros(R, dtype=np.int32)
        nz_ptr = np.zeros(R + 1, dtype=np.int64)
        nz_pos, nz_val = [], []
        for r in range(R):
            vals = self._values[self._ptr[r]:self._ptr[r + 1]]
            if len(vals):
                rec_max_pos[r] = int(vals.argmax())
                rec_max[r] = max(float(vals.max()), 0.0)
            keep = np.flatnonzero(vals > 0)
            nz_pos.append(keep.astype(np.uint16))
            nz_val.append(vals[keep].astype(np.float32))
            nz_ptr[r + 1] = nz_ptr[r] + len(keep)
        out = dict(self.records)
        out.update(
            max_activation=fmax,
            frac_nonzero=(self.count.numpy() / max(self.n_tokens, 1)).astype(np.float32),
            hist_edges=edges,
            hist_counts=self.hist_counts.numpy().reshape(self.F, B).astype(np.int64),
            rec_max=rec_max, rec_max_pos=rec_max_pos, rec_nz_ptr=nz_ptr,
            nz_pos=np.concatenate(nz_pos) if nz_pos else np.zeros(0, np.uint16),
            nz_val=np.concatenate(nz_val) if nz_val else np.zeros(0, np.float32),
        )
        return out


def scan_activations(acts: torch.Tensor, tokens: np.ndarray, doc_starts: np.ndarray,
                     cfg: RecordConfig = RecordConfig(), seed: int = 0, batch: int = 4096) -> dict[str, np.ndarray]:
    """Both passes over a precomputed activation matrix [T, F] (small inputs, tests, benches)."""
    scanner = FeatureScanner(acts.shape[1], tokens, Documents(doc_starts, len(tokens)), cfg, seed)
    for s in range(0, len(tokens), batch):
        scanner.observe(acts[s:s + batch], s)
    scanner.select()
    for s in range(0, len(tokens), batch):
        scanner.observe_values(acts[s:s + batch], s)
    return scanner.finish()
