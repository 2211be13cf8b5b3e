"""Do the scorers tell a feature's own explanation from another feature's?

For a fixed sample of demo-pack features (per SAE source), each feature's baseline
explanation is scored against that feature's scoring records (held-out top records plus
random records, 1:1) and so is the explanation of a random other feature of the same
source and a generic floor ("common words"). Reports, per method: the share of features
whose own explanation beats the other's (ties count half; a missing score counts as a
loss), the same against the floor, mean scores, correlation between methods, scores per
second and cost per score. Writes bench/results/scoring.json.

    .venv/bin/python bench/scoring_validity.py [--pack packs/demo] [--per-source 100]

LLM methods run only when OPENAI_BASE_URL is set.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from pipeline import pack as packio  # noqa: E402
from scoring.base import PermanentScoringError, ScoringInput, TransientScoringError  # noqa: E402
from scoring.pearson import pearson  # noqa: E402
from scoring.records import build_scoring_input  # noqa: E402
from scoring.registry import get_scorer  # noqa: E402

GENERIC = "common words"
KIND_TOP, KIND_RANDOM = 0, 2


def feature_records(arrays: dict, tokens: np.ndarray, vocab: list[str]) -> dict[int, tuple[list, list]]:
    """Scoring records per feature: held-out top records and as many random ones."""
    by_f: dict[int, tuple[list, list]] = {}
    kinds, held, feats = arrays["rec_kind"], arrays["rec_held_out"], arrays["rec_feature"]
    order = np.lexsort((arrays["rec_rank"], feats))
    for r in order:
        f = int(feats[r])
        top, rnd = by_f.setdefault(f, ([], []))
        if kinds[r] == KIND_TOP and held[r]:
            top.append(r)
        elif kinds[r] == KIND_RANDOM:
            rnd.append(r)

    def pairs(rs: list[int]) -> list[tuple[list[str], list[float]]]:
        return [([vocab[int(t)] for t in packio.record_tokens(tokens, arrays, r)],
                 packio.record_values(arrays, r).tolist()) for r in rs]

    return {f: (pairs(top), pairs(rnd[: len(top)])) for f, (top, rnd) in by_f.items() if top}


def sample_features(pack: Path, slug: str, n: int, seed: int) -> list[dict]:
    arrays = packio.load_features(pack, slug)
    tokens = np.asarray(packio.load_corpus_tokens(pack))
    vocab = packio.load_vocab(pack)
    expl = {e["index"]: e["text"] for e in packio.load_explanations(pack, slug)}
    alive = [f for f in range(len(arrays["max_activation"]))
             if arrays["max_activation"][f] > 0 and f in expl and not expl[f].startswith("never fires")]
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(alive, size=min(n, len(alive)), replace=False).tolist())
    recs = feature_records({k: v for k, v in arrays.items()}, tokens, vocab)
    out = []
    for f in chosen:
        if f not in recs:
            continue
        top, rnd = recs[f]
        out.append({"source": slug, "index": f, "explanation": expl[f], "top": top, "random": rnd,
                    "max_activation": float(arrays["max_activation"][f])})
    # Each feature's rival: another sampled feature of the same source, fixed by the seed.
    perm = rng.permutation(len(out))
    for i, item in enumerate(out):
        j = perm[i] if perm[i] != i else perm[(i + 1) % len(out)]
        item["rival"] = out[j]["explanation"] if j != i else GENERIC
    return out


def score_one(scorer, data: ScoringInput) -> tuple[float | None, float, dict]:
    t = time.perf_counter()
    try:
        res = scorer.score(data)
        value = res.value if res.status == "ok" else None
        cost = {"usd": res.cost_usd, "calls": res.calls, "tokens_in": res.tokens_in, "tokens_out": res.tokens_out}
    except (TransientScoringError, PermanentScoringError) as exc:
        value, cost = None, {"usd": getattr(exc, "usage", {}).get("cost_usd", 0.0), "error": str(exc)}
    return value, time.perf_counter() - t, cost


def wins(a: list[float | None], b: list[float | None]) -> float:
    """Share of pairs where a beats b: ties half, a missing `a` loses, a missing `b` loses to any `a`."""
    total = 0.0
    for x, y in zip(a, b):
        if x is None:
            continue
        total += 1.0 if y is None or x > y else 0.5 if x == y else 0.0
    return total / max(1, len(a))


def run_method(method: str, items: list[dict], vocab: list[str]) -> dict:
    t0 = time.perf_counter()
    scorer = get_scorer(method)
    if hasattr(scorer, "warm_up"):  # as a worker does once per process
        scorer.warm_up(vocab)
    # Load the model outside the timing: a server loads it once.
    warm = items[0]
    scorer.score(build_scoring_input(explanation="warm-up", top=warm["top"][:1], random=warm["random"][:1]))
    load_s = time.perf_counter() - t0
    own, rival, generic, seconds, usd, calls, failed = [], [], [], 0.0, 0.0, 0, 0
    per_source: dict[str, dict[str, list]] = {}
    for item in items:
        row = []
        for expl, bucket in ((item["explanation"], own), (item["rival"], rival), (GENERIC, generic)):
            data = build_scoring_input(explanation=expl, top=item["top"], random=item["random"],
                                       max_activation=item["max_activation"])
            value, dt, cost = score_one(scorer, data)
            bucket.append(value)
            row.append(value)
            seconds += dt
            usd += cost.get("usd", 0.0)
            calls += cost.get("calls", 0)
            failed += "error" in cost
        src = per_source.setdefault(item["source"], {"own": [], "rival": [], "generic": []})
        for k, v in zip(("own", "rival", "generic"), row):
            src[k].append(v)
    n_scores = 3 * len(items)

    def mean(xs: list) -> float | None:
        ok = [x for x in xs if x is not None]
        return round(float(np.mean(ok)), 4) if ok else None

    return {
        "method": method,
        "features": len(items),
        "own_beats_random_other": round(wins(own, rival), 4),
        "own_beats_generic": round(wins(own, generic), 4),
        "by_source": {s: {"own_beats_random_other": round(wins(v["own"], v["rival"]), 4),
                          "own_beats_generic": round(wins(v["own"], v["generic"]), 4),
                          "mean_own": mean(v["own"]), "features": len(v["own"])} for s, v in per_source.items()},
        "mean_own": mean(own), "mean_random_other": mean(rival), "mean_generic": mean(generic),
        "undefined_or_failed": sum(v is None for v in own + rival + generic), "failed": failed,
        "scores_per_s": round(n_scores / seconds, 2) if seconds else None,
        "model_load_and_warm_up_s": round(load_s, 2),
        "cost_usd_per_score": round(usd / n_scores, 6), "calls_per_score": round(calls / n_scores, 3),
        "_own": own,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--per-source", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scoring.json"))
    args = parser.parse_args()

    meta = packio.read_pack(args.pack)
    slugs = [s.slug for s in meta.sources if s.kind == "sae"] or [s.slug for s in meta.sources]
    items = [it for slug in slugs for it in sample_features(Path(args.pack), slug, args.per_source, args.seed)]
    methods = args.methods or ["offline-simulation", "embedding"] + (
        ["llm-simulation", "llm-detection", "llm-fuzzing"] if settings.OPENAI_BASE_URL else [])

    vocab = packio.load_vocab(args.pack)
    results = [run_method(m, items, vocab) for m in methods]
    correlations = {}
    for i, a in enumerate(results):
        for b in results[i + 1:]:
            pairs = [(x, y) for x, y in zip(a["_own"], b["_own"]) if x is not None and y is not None]
            c = pearson([p[0] for p in pairs], [p[1] for p in pairs]) if len(pairs) > 2 else None
            correlations[f"{a['method']} vs {b['method']}"] = round(c.value, 4) if c and c.value is not None else None
    for r in results:
        r.pop("_own")

    print(f"{'method':<20}{'own>other':>10}{'own>generic':>12}{'mean own':>10}{'mean other':>11}"
          f"{'scores/s':>10}{'$/score':>10}")
    for r in results:
        print(f"{r['method']:<20}{r['own_beats_random_other']:>10.3f}{r['own_beats_generic']:>12.3f}"
              f"{(r['mean_own'] or 0):>10.3f}{(r['mean_random_other'] or 0):>11.3f}"
              f"{(r['scores_per_s'] or 0):>10.1f}{r['cost_usd_per_score']:>10.5f}")
    for k, v in correlations.items():
        print(f"correlation of own-explanation scores, {k}: {v}")

    out = {
        "pack": meta.name, "pack_path": str(args.pack), "sources": slugs, "per_source": args.per_source, "seed": args.seed,
        "features": len(items), "generic_explanation": GENERIC,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "torch_threads": __import__("torch").get_num_threads()},
        "methods": results, "correlation_between_methods": correlations,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
