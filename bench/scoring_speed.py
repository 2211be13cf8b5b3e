"""How fast is the default scorer, and what made it so? Its encoder settings side by side, in one run.

Each setting scores the same explanations on the same records (features spread evenly over
the human-written test split, so both packs' records are in it: prose records vary little in
length, code-documentation records a lot; every explanation of each), in one process, in turns (setting A,
B, C, then A, B, C again: a noisy machine slows all of them alike), with record caches
emptied before every score as in `bench/scoring_validity.py`:

    padded      float32, every sequence of a score padded to the longest (the scorer before)
    grouped     float32, sequences grouped by length (each batch padded to its own longest)
    default     what the scorer runs here: grouped, bfloat16 where the CPU has it natively

    .venv/bin/python bench/scoring_speed.py [--features 20] [--rounds 2]

Writes bench/results/scoring_speed.json: scores/s per setting and each one's ratio to
`padded` measured in this run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")

import django  # noqa: E402

django.setup()

from bench.scoring_validity import SETS, _pairs, load_items, warm_up  # noqa: E402
from scoring import contextual  # noqa: E402
from scoring.contextual import ContextualEncoder  # noqa: E402
from scoring.embedder import default_embedder  # noqa: E402
from scoring.records import build_scoring_input  # noqa: E402
from scoring.scorers.contextual_simulation import ContextualSimulator  # noqa: E402

# setting -> (sequences per forward pass, precision)
SETTINGS = {
    "padded": (10_000, "float32"),
    "grouped": (contextual.BATCH, "float32"),
    "default": (contextual.BATCH, "auto"),
}


def sample(n_features: int) -> list[dict]:
    items = load_items("test")
    step = max(1, len(items) // n_features)
    return items[::step][:n_features]


def jobs(items: list[dict]) -> list[tuple[object, list[str]]]:
    out = []
    for item in items:
        ex = item["explanations"]
        for text in [ex["human"], *(ex[v] for v in SETS.values())]:
            data = build_scoring_input(explanation=text, top=_pairs(item["records"]),
                                       random=_pairs(item["random_records"]), max_activation=item["max_activation"])
            record_texts = ["".join(r["tokens"]).strip() for r in item["records"] + item["random_records"]]
            out.append((data, record_texts))
    return out


def run(scorer: ContextualSimulator, batch: int, work: list) -> float:
    """Seconds spent scoring `work` with `batch` sequences per forward pass."""
    embedder = default_embedder()
    contextual.BATCH = batch
    seconds = 0.0
    for data, record_texts in work:
        embedder.forget(record_texts)
        t = time.perf_counter()
        scorer.score(data)
        seconds += time.perf_counter() - t
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    items = sample(args.features)
    work = jobs(items)
    scorers = {name: ContextualSimulator(encoder=ContextualEncoder(precision=precision))
               for name, (_, precision) in SETTINGS.items()}
    for scorer in scorers.values():
        warm_up(scorer, items)
    seconds = {name: 0.0 for name in SETTINGS}
    for _ in range(args.rounds):
        for name, (batch, _) in SETTINGS.items():
            seconds[name] += run(scorers[name], batch, work)
    n = len(work) * args.rounds
    rates = {name: n / s for name, s in seconds.items()}
    out = {
        "scores": len(work),
        "rounds": args.rounds,
        "settings": {
            name: {"batch": batch if batch < 10_000 else "all", "precision": scorers[name].encoder.precision,
                   "scores_per_s": round(rates[name], 2), "ratio_to_padded": round(rates[name] / rates["padded"], 2)}
            for name, (batch, _) in SETTINGS.items()
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "torch_threads": __import__("torch").get_num_threads(),
                    "native_bfloat16": contextual.cpu_has_fast_bfloat16()},
    }
    for name, fig in out["settings"].items():
        print(f"{name:<10}{fig['precision']:<10}{fig['scores_per_s']:>8.2f} scores/s  x{fig['ratio_to_padded']:.2f}")
    path = ROOT / "bench" / "results" / "scoring_speed.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
