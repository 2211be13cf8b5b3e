"""Record-extraction throughput vs a bare forward pass + SAE encode, on the demo pack.

    .venv/bin/python bench/pipeline.py [--pack packs/demo] [--source 1-mlp-sae] [--tokens 100000]

Writes bench/results/pipeline.json. No Django needed: it uses the pipeline modules directly.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.features import SourceSpec, _run_batches, extract_features  # noqa: E402
from pipeline.pack import load_corpus_tokens, read_pack  # noqa: E402
from pipeline.train_model import load_model  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    ap.add_argument("--source", default="1-mlp-sae")
    ap.add_argument("--tokens", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "pipeline.json"))
    args = ap.parse_args()

    from sae_lens import SAE

    meta = read_pack(args.pack)
    src = meta.source(args.source)
    model = load_model(Path(args.pack) / "model")
    sae = SAE.load_from_disk(str(Path(args.pack) / src.weights_path)) if src.weights_path else None
    spec = SourceSpec(src.slug, src.kind, src.layer, src.hook_point, src.width, sae=sae)
    tokens = np.asarray(load_corpus_tokens(args.pack)[: args.tokens])
    doc_starts = np.flatnonzero(tokens == tokens[0])  # every document starts with the BOS id

    t0 = time.perf_counter()
    n = 0
    with torch.no_grad():
        for _, acts in _run_batches(model, tokens, doc_starts, [spec.hook_point], model.cfg.n_ctx, 32,
                                    args.batch, "forward + encode", False):
            n += spec.encode(acts[spec.hook_point]).shape[0]
    bare_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    arrays = extract_features(model, tokens, doc_starts, [spec], batch=args.batch, progress=False)
    rec_s = time.perf_counter() - t0

    result = {
        "pack": meta.name, "source": src.slug, "width": src.width, "tokens": int(len(tokens)),
        "forward_encode_tokens_per_s": round(n / bare_s, 1),
        "record_extraction_tokens_per_s": round(len(tokens) / rec_s, 1),
        "record_extraction_seconds": round(rec_s, 2), "forward_encode_seconds": round(bare_s, 2),
        "overhead_factor": round(rec_s / bare_s, 2),
        "records": int(len(arrays[src.slug]["rec_feature"])),
        "note": "record extraction makes two passes (statistics + candidates, then values + histograms) "
                "and includes the logit lens and neighbours",
        "torch_threads": torch.get_num_threads(), "machine": platform.machine(), "python": platform.python_version(),
        "torch": torch.__version__,
    }
    print(f"forward + SAE encode : {result['forward_encode_tokens_per_s']:>10,.0f} tokens/s")
    print(f"record extraction    : {result['record_extraction_tokens_per_s']:>10,.0f} tokens/s "
          f"({result['overhead_factor']}x the bare pass)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
