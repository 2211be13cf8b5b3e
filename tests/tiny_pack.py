"""Writes a small but complete pack (pipeline/PACK_FORMAT.md) for importer and page tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

WINDOW = 8


def write_tiny_pack(
    path: Path, *, n_features: int = 4, scale: float = 1.0, slug: str = "tiny-model", extra_text: str = ""
) -> Path:
    """Two sources (neurons + an SAE), `n_features` each, 3 top / 2 quantile / 2 random records
    per feature. `scale` changes activations, to simulate a rebuilt pack."""
    rng = np.random.default_rng(0)
    path.mkdir(parents=True, exist_ok=True)
    vocab = ["<|bos|>", " the", " cat", " sat", " on", " mat", ".", " dog", " <script>alert(1)</script>", " &amp;", "\u202eevil", " \u05e9\u05dc\u05d5\u05dd", "\x00"]
    (path / "vocab.json").write_text(json.dumps(vocab))
    corpus = rng.integers(1, len(vocab), size=400).astype(np.int32)
    np.save(path / "corpus_tokens.npy", corpus)
    sources = []
    for kind, sl in [("neurons", "0-mlp"), ("sae", "0-res-sae")]:
        arrays = _features(n_features, rng, scale)
        (path / "features").mkdir(exist_ok=True)
        np.savez_compressed(path / "features" / f"{sl}.npz", **arrays)
        (path / "explanations").mkdir(exist_ok=True)
        with (path / "explanations" / f"{sl}.jsonl").open("w") as fh:
            for f in range(n_features):
                fh.write(json.dumps({"index": f, "text": f"the word cat {sl} {f}{extra_text}", "author_model": "baseline-test"}) + "\n")
        sources.append(
            {"slug": sl, "kind": kind, "layer": 0, "hook_point": "blocks.0.mlp.hook_post" if kind == "neurons" else "blocks.0.hook_resid_post",
             "width": n_features, "architecture": "" if kind == "neurons" else "topk", "weights_path": "",
             "metrics": {} if kind == "neurons" else {"fvu": 0.2, "l0": 3.0},
             "features": f"features/{sl}.npz", "explanations": f"explanations/{sl}.jsonl"}
        )
    meta = {
        "format_version": 1, "name": "tiny", "seed": 0, "created_by": "tests",
        "model": {"slug": slug, "name": "Tiny test model", "n_layers": 1, "d_model": 8, "d_vocab": len(vocab), "n_ctx": 32,
                  "tl_name": "", "validation_loss": 5.0},
        "corpus": {"name": "random", "n_docs": 1, "n_tokens": len(corpus)},
        "window": WINDOW,
        "sources": sources,
    }
    (path / "pack.json").write_text(json.dumps(meta))
    return path


def _features(n: int, rng: np.random.Generator, scale: float) -> dict[str, np.ndarray]:
    rec = {k: [] for k in ["rec_feature", "rec_kind", "rec_rank", "rec_bin", "rec_start", "rec_length", "rec_max",
                           "rec_max_pos", "rec_duplicates", "rec_held_out"]}
    ptr, nz_pos, nz_val = [0], [], []
    for f in range(n):
        plan = [(0, r, -1) for r in range(3)] + [(1, 0, b) for b in range(2)] + [(2, r, -1) for r in range(2)]
        for i, (kind, rank, qbin) in enumerate(plan):
            start = int(rng.integers(0, 390 - WINDOW))
            if kind == 2:
                pos, vals = np.array([], dtype=np.uint16), np.array([], dtype=np.float32)
            else:
                pos = np.array([WINDOW // 2, WINDOW // 2 + 1], dtype=np.uint16)
                top = scale * (3.0 - rank) if kind == 0 else scale * (0.5 + 0.25 * qbin)
                vals = np.array([top, top / 2], dtype=np.float32)
            for k, v in zip(rec, [f, kind, rank, qbin, start, WINDOW, float(vals.max()) if len(vals) else 0.0,
                                  WINDOW // 2 if len(vals) else 0, 2 if (kind == 0 and rank == 0) else 0,
                                  kind == 0 and rank == 2]):
                rec[k].append(v)
            nz_pos.extend(pos.tolist()); nz_val.extend(vals.tolist()); ptr.append(len(nz_pos))
    out = {
        # the last feature never fires (a dead latent)
        "max_activation": np.array([3.0 * scale] * (n - 1) + [0.0], dtype=np.float32),
        "frac_nonzero": np.full(n, 0.01, dtype=np.float32),
        "hist_edges": np.tile(np.linspace(0, 3 * scale, 5, dtype=np.float32), (n, 1)),
        "hist_counts": np.tile(np.array([10, 5, 2, 1]), (n, 1)),
        "logit_top_ids": np.tile(np.arange(1, 4, dtype=np.int32), (n, 1)),
        "logit_top_vals": np.tile(np.array([0.9, 0.5, 0.2], dtype=np.float32), (n, 1)),
        "logit_bot_ids": np.tile(np.arange(4, 7, dtype=np.int32), (n, 1)),
        "logit_bot_vals": np.tile(np.array([-0.9, -0.5, -0.2], dtype=np.float32), (n, 1)),
        "logit_std": np.full(n, 0.3, dtype=np.float32),
        "logit_skew": np.full(n, 0.1, dtype=np.float32),
        "logit_kurt": np.full(n, 3.5, dtype=np.float32),
        "neighbour_idx": np.array([[(f + 1) % n] for f in range(n)], dtype=np.int32),
        "neighbour_cos": np.full((n, 1), 0.5, dtype=np.float32),
        "rec_nz_ptr": np.array(ptr, dtype=np.int64),
        "nz_pos": np.array(nz_pos, dtype=np.uint16),
        "nz_val": np.array(nz_val, dtype=np.float32),
    }
    dtypes = {"rec_feature": np.int32, "rec_kind": np.uint8, "rec_rank": np.int32, "rec_bin": np.int16, "rec_start": np.int64,
              "rec_length": np.int32, "rec_max": np.float32, "rec_max_pos": np.int32, "rec_duplicates": np.int32, "rec_held_out": bool}
    out.update({k: np.array(v, dtype=dtypes[k]) for k, v in rec.items()})
    return out
