"""How fast is the default scorer, and what made it so? Its encoder settings side by side, in one run.

Each setting scores the same explanations on the same records (features spread evenly over
the human-written test split, so both packs' records are in it: prose records vary little in
length, code-documentation records a lot; every explanation of each), in one process, in turns (setting A,
B, C, then A, B, C again: a noisy machine slows all of them alike), with record caches
emptied before every score as in `bench/scoring_validity.py`:

    torch-float32   PyTorch's eager model in float32 (the scorer before, on CPUs without
                    native bfloat16)
    torch-bfloat16  PyTorch under bfloat16 autocast (the scorer before, where the CPU has
                    it natively; left out elsewhere, where torch emulates it)
    onnx-float32    the fused ONNX Runtime graph in float32 (the same vectors as torch's)
    default         what the scorer runs: the fused graph with int8 weights

All group sequences by length (each batch padded to its own longest).

    .venv/bin/python bench/scoring_speed.py [--features 20] [--rounds 2]

Writes bench/results/scoring_speed.json: scores/s per setting and each one's ratio to
`torch-float32` measured in this run, with the CPU's model and vector extensions.
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

from bench.scoring_validity import SETS, cpu, load_items, score_item, warm_up  # noqa: E402
from scoring import contextual  # noqa: E402
from scoring.contextual import ContextualEncoder  # noqa: E402
from scoring.scorers.contextual_simulation import ContextualSimulator  # noqa: E402

# setting -> (precision, runtime)
SETTINGS = {
    "torch-float32": ("float32", "torch"),
    "torch-bfloat16": ("bfloat16", "torch"),
    "onnx-float32": ("float32", "onnx"),
    "default": ("auto", None),
}
BASELINE = "torch-float32"


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
    settings = {name: setting for name, setting in SETTINGS.items()
                if name != "torch-bfloat16" or contextual.cpu_has_fast_bfloat16()}
    scorers = {name: ContextualSimulator(encoder=ContextualEncoder(precision=precision, runtime=runtime))
               for name, (precision, runtime) in settings.items()}
    for scorer in scorers.values():
        warm_up(scorer, items)
    seconds = {name: 0.0 for name in settings}
    for _ in range(args.rounds):
        for name in settings:
            spent, n_scores = run(scorers[name], items)
            seconds[name] += spent
    rates = {name: n_scores * args.rounds / s for name, s in seconds.items()}
    out = {
        "scores": n_scores,
        "rounds": args.rounds,
        "settings": {
            name: {"precision": scorers[name].encoder.precision, "runtime": scorers[name].encoder.runtime,
                   "scores_per_s": round(rates[name], 2),
                   f"ratio_to_{BASELINE}": round(rates[name] / rates[BASELINE], 2)}
            for name in settings
        },
        "machine": {"cpus": os.cpu_count(), "cpu": cpu(), "python": platform.python_version(),
                    "torch_threads": __import__("torch").get_num_threads(),
                    "native_bfloat16": contextual.cpu_has_fast_bfloat16()},
    }
    for name, fig in out["settings"].items():
        print(f"{name:<16}{fig['runtime']:<7}{fig['precision']:<10}{fig['scores_per_s']:>8.2f} scores/s"
              f"  x{fig[f'ratio_to_{BASELINE}']:.2f}")
    path = ROOT / "bench" / "results" / "scoring_speed.json"
    path.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
