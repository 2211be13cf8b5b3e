"""Steering on the demo pack: what a steering run costs beside a bare generation of the same
length, and whether pushing a feature makes the model write text on which it fires.

    .venv/bin/python -m bench.steering [--pack packs/demo] [--repeats 5] [--new-tokens 32]

Time: for each prompt (short openings written by hand, as a researcher would type them), the
engine's `steer` (both texts, one batch) against TransformerLens's own `generate` of one text
with the same number of new tokens, sampling, with its key-value cache: the bare generation a
researcher would otherwise run. Both on the same loaded model, taking turns, median of
`--repeats` runs each; the ratio of medians is the figure.

Effect: for `--features` live features of every source, the feature's activation (read without
any push) on the steered continuations at strengths 0, 1, 2, 4 and 8 times its strongest
stored activation, averaged over prompts and seeds. Writes bench/results/steering.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inference_client.engine import InferenceEngine  # noqa: E402
from pipeline.pack import load_features, read_pack  # noqa: E402

PROMPTS = [
    "And the king said unto",
    "The weather today is",
    "Once upon a time there was",
    "She opened the letter and",
    "A wise man once told me",
    "To open a file, call",
]
MULTIPLES = [0, 1, 2, 4, 8]


def bare_generate(engine: InferenceEngine, prompt: str, new_tokens: int, seed: int) -> None:
    ids = torch.tensor([[engine.tokenizer.bos_id, *engine.tokenizer.encode(prompt)]], device=engine.device)
    torch.manual_seed(seed)
    with torch.no_grad():
        engine.model.generate(ids, max_new_tokens=new_tokens, do_sample=True, temperature=0.8, top_k=40,
                              use_past_kv_cache=True, verbose=False, stop_at_eos=False)


def timing(engine: InferenceEngine, source: str, index: int, strength: float, repeats: int,
           new_tokens: int) -> dict:
    steer_s, bare_s = [], []
    for prompt in PROMPTS:
        for r in range(repeats):
            start = time.perf_counter()
            engine.steer(prompt, source, index, strength, seed=r, max_new_tokens=new_tokens)
            steer_s.append(time.perf_counter() - start)
            start = time.perf_counter()
            bare_generate(engine, prompt, new_tokens, r)
            bare_s.append(time.perf_counter() - start)
    steer_med, bare_med = statistics.median(steer_s), statistics.median(bare_s)
    return {"source": source, "index": index, "strength": strength, "new_tokens": new_tokens,
            "runs_each": len(steer_s), "steer_median_ms": round(1000 * steer_med, 1),
            "bare_generate_median_ms": round(1000 * bare_med, 1), "ratio": round(steer_med / bare_med, 2)}


def live_features(pack: Path, slug: str, count: int, rng: np.random.Generator) -> list[tuple[int, float]]:
    arrays = load_features(pack, slug)
    maxes = np.asarray(arrays["max_activation"], dtype=float)
    live = np.flatnonzero(maxes > 0)
    picked = rng.choice(live, size=min(count, len(live)), replace=False)
    return [(int(i), float(maxes[i])) for i in sorted(picked)]


def effect(engine: InferenceEngine, pack: Path, features: int, seeds: int, new_tokens: int) -> dict:
    rng = np.random.default_rng(0)
    out = {}
    for slug in engine.sources:
        rows = []
        for index, peak in live_features(pack, slug, features, rng):
            means = []
            for multiple in MULTIPLES:
                values = []
                for prompt in PROMPTS:
                    for seed in range(seeds):
                        text = engine.steer(prompt, slug, index, multiple * peak, seed=seed,
                                            max_new_tokens=new_tokens)["steered"]
                        if text.strip():
                            values.append(engine.feature_activation(text, slug, index)["max_value"] / peak)
                means.append(float(np.mean(values)) if values else 0.0)
            rows.append({"index": index, "max_activation": round(peak, 3),
                         "mean_max_over_peak": [round(m, 3) for m in means]})
        table = np.array([r["mean_max_over_peak"] for r in rows])
        out[slug] = {
            "features": rows,
            "mean_by_multiple": dict(zip(map(str, MULTIPLES), np.round(table.mean(axis=0), 3).tolist())),
            "share_rising_0_to_4x": round(float((table[:, 3] > table[:, 0]).mean()), 3),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--features", type=int, default=8, help="features per source for the effect")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "steering.json"))
    args = parser.parse_args(argv)
    pack = Path(args.pack)
    engine = InferenceEngine.from_pack(pack, device="cpu")
    bare_generate(engine, PROMPTS[0], 4, 0)  # warm-up, untimed
    engine.steer(PROMPTS[0], next(iter(engine.sources)), 0, 1.0, max_new_tokens=4)
    meta = read_pack(pack)
    first = meta.sources[0].slug
    index, peak = live_features(pack, first, 1, np.random.default_rng(1))[0]
    result = {
        "command": " ".join(["python -m bench.steering", *(argv if argv is not None else sys.argv[1:])]),
        "machine": {"python": platform.python_version(), "cpus": torch.get_num_threads(), "torch": torch.__version__},
        "model": meta.model["slug"],
        "time": timing(engine, first, index, 4 * peak, args.repeats, args.new_tokens),
        "effect": effect(engine, pack, args.features, args.seeds, args.new_tokens),
    }
    t = result["time"]
    print(f"steer {t['steer_median_ms']} ms vs bare generate {t['bare_generate_median_ms']} ms "
          f"({t['new_tokens']} new tokens, {t['runs_each']} runs each): ratio {t['ratio']}")
    for slug, e in result["effect"].items():
        print(f"{slug}: mean max activation / peak by strength multiple {e['mean_by_multiple']}; "
              f"rising 0x->4x for {e['share_rising_0_to_4x']:.0%} of {len(e['features'])} features")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
