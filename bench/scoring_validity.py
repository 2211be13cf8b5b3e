"""Does a higher score mean a better explanation? Measured on explanations written by hand.

The set (`bench/data/human_validity.jsonl`, made as `bench/data/README.md` says) holds, for
features of all three demo sources, the records a feature is scored on and five hand-written
explanations. Each method scores them all, and a pair is won when the right explanation
scores strictly above its rival (a tie, or a right explanation without a score, is a loss):

    human-random      the right explanation vs. the right explanation of another feature
    human-neighbour   vs. the explanation of its nearest decoder neighbour
    human-decoy       vs. a decoy: plausible, sharing words, wrong about what fires
    sanity-missing    vs. the right explanation with half its concept removed
    sanity-extra      vs. the right explanation with an unrelated concept added

Figures are reported for the frozen test split (used for nothing else) and the tune split.
Speed is scores per second on one process, with every record-level cache emptied before each
score, so no explanation reuses the work of the one before on the same records.

The planted set (`bench/data/planted.jsonl`, made by `bench/planted_set.py`) is its own set,
with no split: features whose activation is a known rule, each with its true explanation and
three decoys. A pair is the true explanation against one decoy on that feature's scoring
records, won under the same rule; figures are per rule kind (token, context, position).

    .venv/bin/python bench/scoring_validity.py [--methods ...] [--splits test tune] [--sets human planted]

LLM methods run only when OPENAI_BASE_URL is set. Writes bench/results/scoring.json (a run
without the human set writes bench/results/scoring-planted.json instead).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from scoring.base import PermanentScoringError, TransientScoringError  # noqa: E402
from scoring.contextual import cpu_flags  # noqa: E402
from scoring.embedder import default_embedder  # noqa: E402
from scoring.records import build_scoring_input  # noqa: E402
from scoring.registry import available, get_scorer, scorer_version  # noqa: E402

DATA = ROOT / "bench" / "data" / "human_validity.jsonl"
PLANTED = ROOT / "bench" / "data" / "planted.jsonl"
PLANTED_KINDS = ("token", "context", "position")
SPLIT = ROOT / "bench" / "data" / "split.json"
SETS = {
    "human-random": "random",
    "human-neighbour": "neighbour",
    "human-decoy": "decoy",
    "sanity-missing": "missing",
    "sanity-extra": "extra",
}
LLM_METHODS = {"llm-simulation", "llm-detection", "llm-fuzzing"}


EXTENSIONS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16", "avx_vnni")


def cpu() -> dict:
    """The CPU's model name and which of the vector extensions that matter here it has."""
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    flags = cpu_flags()
    return {"model": model, "extensions": [e for e in EXTENSIONS if e in flags]}


def win_figures(wins: int, pairs: int) -> dict:
    """A set's win rate with its 95% Wilson interval: on 180 pairs a rate near 0.8 is known to
    about ±0.06, so a gap smaller than that between two figures may be noise."""
    if not pairs:
        return {"pairs": 0, "win_rate": None, "ci95": None}
    z, p = 1.959964, wins / pairs
    centre = (p + z * z / (2 * pairs)) / (1 + z * z / pairs)
    half = z * math.sqrt(p * (1 - p) / pairs + z * z / (4 * pairs * pairs)) / (1 + z * z / pairs)
    return {"pairs": pairs, "win_rate": round(p, 4), "ci95": [round(centre - half, 4), round(centre + half, 4)]}


def load_items(split: str) -> list[dict]:
    items = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    items = [it for it in items if it["split"] == split]
    # Each feature's random rival: the right explanation of another feature of the same split.
    rng = random.Random(0)
    for i, item in enumerate(items):
        j = rng.randrange(len(items) - 1)
        j = j + 1 if j >= i else j
        item["explanations"]["random"] = items[j]["explanations"]["human"]
    return items


def load_planted() -> list[dict]:
    return [json.loads(line) for line in PLANTED.read_text().splitlines() if line.strip()]


def _pairs(records: list[dict]) -> list[tuple[list[str], list[float]]]:
    return [(r["tokens"], r["values"]) for r in records]


def score_item(scorer, item: dict, texts: list[str]) -> tuple[list[float | None], float, int]:
    """Scores of `texts` on the item's records, seconds spent, and failures."""
    embedder = default_embedder()
    record_texts = ["".join(r["tokens"]).strip() for r in item["records"] + item["random_records"]]
    values: list[float | None] = []
    seconds, failed = 0.0, 0
    for text in texts:
        embedder.forget(record_texts)  # records the scorer has not seen before, every time
        data = build_scoring_input(
            explanation=text, top=_pairs(item["records"]), random=_pairs(item["random_records"]),
            max_activation=item["max_activation"],
        )
        t = time.perf_counter()
        try:
            res = scorer.score(data)
            values.append(res.value if res.status == "ok" else None)
        except (TransientScoringError, PermanentScoringError):
            values.append(None)
            failed += 1
        seconds += time.perf_counter() - t
    return values, seconds, failed


def warm_up(scorer, items: list[dict]) -> None:
    """Model loading is a once-per-process cost, as in a worker: kept out of the timing."""
    if hasattr(scorer, "warm_up"):
        scorer.warm_up({t for it in items for r in it["records"] + it["random_records"] for t in r["tokens"]})
    warm = items[0]
    scorer.score(build_scoring_input(explanation="warm-up", top=_pairs(warm["records"][:1]),
                                     random=_pairs(warm["random_records"][:1])))


def run_method(method: str, items: list[dict]) -> dict:
    scorer = get_scorer(method)
    warm_up(scorer, items)
    wins = {name: 0 for name in SETS}
    # The same pairs counted per pack the items come from (the docstring pack and the prose one).
    by_pack: dict[str, dict[str, int]] = {}
    seconds, n_scores, failed, right_scores = 0.0, 0, 0, []
    for item in items:
        ex = item["explanations"]
        texts = [ex["human"], *(ex[v] for v in SETS.values())]
        values, dt, bad = score_item(scorer, item, texts)
        seconds += dt
        n_scores += len(texts)
        failed += bad
        right = values[0]
        right_scores.append(right)
        pack = by_pack.setdefault(item.get("pack", "lp-demo-2l"), {"items": 0, **{n: 0 for n in SETS}})
        pack["items"] += 1
        for (name, _), other in zip(SETS.items(), values[1:]):
            won = right is not None and (other is None or right > other)
            wins[name] += won
            pack[name] += won
    ok = [v for v in right_scores if v is not None]
    return {
        "sets": {name: win_figures(w, len(items)) for name, w in wins.items()},
        "by_pack": {pack: {name: win_figures(c[name], c["items"]) for name in SETS}
                    for pack, c in sorted(by_pack.items())},
        "mean_right_score": round(sum(ok) / len(ok), 4) if ok else None,
        "failed": failed,
        "scores_per_s": round(n_scores / seconds, 2) if seconds else None,
    }


def run_planted(method: str, items: list[dict]) -> tuple[dict, dict]:
    """Per rule kind, the share of (true, decoy) pairs the true explanation wins; and per
    feature, the true score and each decoy's (for reading which decoys are hard)."""
    scorer = get_scorer(method)
    warm_up(scorer, items)
    counts = {k: [0, 0] for k in PLANTED_KINDS}
    by_feature: dict[str, dict] = {}
    for item in items:
        ex = item["explanations"]
        values, _, _ = score_item(scorer, item, [ex["true"], *ex["decoys"]])
        right, decoys = values[0], values[1:]
        for other in decoys:
            counts[item["kind"]][0] += right is not None and (other is None or right > other)
            counts[item["kind"]][1] += 1
        by_feature[item["id"]] = {"true": right, "decoys": decoys}
    kinds = {k: {"pairs": n, "win_rate": round(w / n, 4) if n else None} for k, (w, n) in counts.items()}
    return kinds, by_feature


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="*", default=None)
    parser.add_argument("--splits", nargs="*", default=["test", "tune"])
    parser.add_argument("--sets", nargs="*", choices=["human", "planted"], default=["human", "planted"],
                        help="the human-written set (by split), the planted set, or both")
    parser.add_argument("--out", default=None, help="default: bench/results/scoring.json, or "
                        "bench/results/scoring-planted.json for a run without the human set")
    args = parser.parse_args()
    human, planted = "human" in args.sets, "planted" in args.sets
    splits = args.splits if human else []
    results_dir = ROOT / "bench" / "results"
    out_path = Path(args.out or results_dir / ("scoring.json" if human else "scoring-planted.json"))

    offline = [m for m in available() if m not in LLM_METHODS and not m.startswith("test-")]
    methods = args.methods or offline + (sorted(LLM_METHODS) if settings.OPENAI_BASE_URL else [])
    split_info = json.loads(SPLIT.read_text()) if human else {}
    planted_items = load_planted() if planted else []
    results: dict[str, dict] = {}
    for method in methods:
        entry: dict = {"version": scorer_version(method)}
        for split in splits:
            figures = run_method(method, load_items(split))
            if split == "test":
                entry.update(figures)
            else:
                entry[split] = figures
        if planted:
            entry["planted"], entry["planted_by_feature"] = run_planted(method, planted_items)
        results[method] = entry

    names = list(SETS)
    if splits:
        print(f"{'method':<24}{'split':<6}" + "".join(f"{n:>17}" for n in names) + f"{'scores/s':>10}")
    for method, entry in results.items():
        for split in splits:
            fig = entry if split == "test" else entry[split]
            print(f"{method:<24}{split:<6}" + "".join(f"{fig['sets'][n]['win_rate']:>17.3f}" for n in names)
                  + f"{(fig['scores_per_s'] or 0):>10.1f}")
    if planted:
        print(f"{'method':<24}{'planted':<9}" + "".join(f"{k:>12}" for k in PLANTED_KINDS) + f"{'pairs':>8}")
        for method, entry in results.items():
            fig = entry["planted"]
            print(f"{method:<24}{'':<9}" + "".join(f"{fig[k]['win_rate'] or 0:>12.3f}" for k in PLANTED_KINDS)
                  + f"{sum(fig[k]['pairs'] for k in PLANTED_KINDS):>8}")

    out: dict = {"default_method": settings.SCORING_METHOD}
    if human:
        extensions = {p.stem.removeprefix("split-"): json.loads(p.read_text())
                      for p in sorted(SPLIT.parent.glob("split-*.json"))}
        out.update({
            "data": str(DATA.relative_to(ROOT)),
            "test_split_sha256": split_info["sha256"],
            # Items added later from another pack, all in the test split, each set frozen with its own hash.
            "test_split_extensions": {name: frozen["sha256"] for name, frozen in extensions.items() if frozen["test"]},
            "features": {s: len(load_items(s)) for s in splits},
        })
    if planted:
        out["planted"] = {"data": str(PLANTED.relative_to(ROOT)),
                          "features": {k: sum(it["kind"] == k for it in planted_items) for k in PLANTED_KINDS},
                          "pair": "the true explanation vs. one of its three decoys, on that feature's records"}
    out.update({
        "win_rule": "right explanation scores strictly above its rival; a tie or a missing score is a loss",
        "machine": {"cpus": os.cpu_count(), "cpu": cpu(), "python": platform.python_version(),
                    "torch_threads": __import__("torch").get_num_threads()},
        "methods": results,
    })
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
