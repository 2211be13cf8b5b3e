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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")

import django  # noqa: E402

django.setup()

from bench.scoring_validity import SETS, load_items, score_item, warm_up  # noqa: E402
from scoring import contextual  # noqa: E402
from scoring.contextual import ContextualEncoder  # noqa: E402
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


def run(scorer: ContextualSimulator, items: list[dict]) -> tuple[float, int]:
    """Seconds spent scoring every explanation of `items`, and how many scores."""
    seconds, n = 0.0, 0
    for item in items:
        ex = item["explanations"]
        texts = [ex["human"], *(ex[v] for v in SETS.values())]
        seconds += score_item(scorer, item, texts)[1]
        n += len(texts)
    return seconds, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    items = sample(args.features)
    scorers = {name: ContextualSimulator(encoder=ContextualEncoder(precision=precision, batch=batch))
               for name, (batch, precision) in SETTINGS.items()}
    for scorer in scorers.values():
        warm_up(scorer, items)
    seconds = {name: 0.0 for name in SETTINGS}
    for _ in range(args.rounds):
        for name in SETTINGS:
            spent, n_scores = run(scorers[name], items)
            seconds[name] += spent
    rates = {name: n_scores * args.rounds / s for name, s in seconds.items()}
    out = {
        "scores": n_scores,
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
