"""Would more scoring records separate a right explanation from a narrowed or padded one?

The human-style validity set scores each feature on the records the game scores it on: its
held-out top records and as many random ones (ten in all on the demo pack). A "missing"
variant whose removed half never fires in those records, or an "extra" concept that never
occurs in them, can only tie the right explanation there, so a shortfall on those two sets
could be the records' fault rather than the scorer's. This bench measures which: it scores
the same texts of the same features on larger record sets drawn from the pack the items came
from, and reports the win rates side by side (a tie is a loss, as in `scoring_validity.py`):

    game          the item's own records: held-out top records + as many random ones
    never-shown   + the top records kept unseen (never clues, never scored on), and as many
                  random records (the scoring ones, then the unseen ones)
    every-record  every top record (clues included: the writers read those too) + every
                  random record the pack keeps

Items are the test-split items whose held-out records the pack holds, value for value (items
of another model, or of another build of this one, are skipped and counted). Tuning nothing,
it reads only the test split.

    .venv/bin/python bench/scoring_records.py [--pack packs/demo] [--methods contextual-simulation ...]

Writes bench/results/scoring_records.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scoring_validity import SETS, load_items, score_item, warm_up  # noqa: E402 (sets up Django)
from bench.validity_set import _pair, _records_of  # noqa: E402
from pipeline import pack as packio  # noqa: E402
from scoring.registry import get_scorer, scorer_version  # noqa: E402

CONFIGS = ("game", "never-shown", "every-record")


class PackRecords:
    """A feature's records in the pack, by role, in `score_file`'s format."""

    def __init__(self, pack: Path) -> None:
        self.pack = pack
        self.slug = packio.read_pack(pack).model["slug"]
        self._tokens = np.asarray(packio.load_corpus_tokens(pack))
        self._vocab = packio.load_vocab(pack)
        self._arrays: dict[str, dict] = {}

    def of(self, source: str, index: int) -> dict[str, list[dict]]:
        if source not in self._arrays:
            self._arrays[source] = packio.load_features(self.pack, source)
        a = self._arrays[source]
        roles = _records_of(a, index)
        unseen = set(roles["unseen_top"])
        roles["clues"] = [i for i in roles["clues"] if i not in unseen]
        return {role: [_pair(self._tokens, a, self._vocab, i) for i in roles[role]]
                for role in ("held_out", "unseen_top", "clues", "random", "random_unseen")}


def record_sets(item: dict, recs: dict[str, list[dict]]) -> dict[str, tuple[list[dict], list[dict]]]:
    """(top, random) records of every configuration."""
    randoms = recs["random"] + recs["random_unseen"]
    never_shown = recs["held_out"] + recs["unseen_top"]
    return {
        "game": (item["records"], item["random_records"]),
        "never-shown": (never_shown, randoms[: len(never_shown)]),
        "every-record": (recs["held_out"] + recs["unseen_top"] + recs["clues"], randoms),
    }


def matching_items(records: PackRecords) -> tuple[list[tuple[dict, dict]], int]:
    """Test items this pack can extend, with their pack records; and how many were skipped."""
    out, skipped = [], 0
    for item in load_items("test"):
        source, _, index = item["id"].rpartition(":")[2].partition("/")
        try:
            recs = records.of(source, int(index))
        except (KeyError, ValueError, packio.PackError):
            skipped += 1
            continue
        if [r["values"] for r in recs["held_out"]] != [r["values"] for r in item["records"]]:
            skipped += 1  # another model, or another build of this one: not its records
            continue
        out.append((item, recs))
    return out, skipped


def run(method: str, items: list[tuple[dict, dict]]) -> dict:
    scorer = get_scorer(method)
    warm_up(scorer, [it for it, _ in items])
    wins = {c: {s: 0 for s in SETS} for c in CONFIGS}
    sizes = {c: [] for c in CONFIGS}
    for item, recs in items:
        ex = item["explanations"]
        texts = [ex["human"], *(ex[v] for v in SETS.values())]
        for config, (top, rand) in record_sets(item, recs).items():
            values, _, _ = score_item(scorer, {**item, "records": top, "random_records": rand}, texts)
            sizes[config].append(len(top) + len(rand))
            right = values[0]
            for name, other in zip(SETS, values[1:]):
                wins[config][name] += right is not None and (other is None or right > other)
    n = len(items)
    return {
        config: {
            "records_per_feature": round(float(np.mean(sizes[config])), 1),
            "sets": {s: {"pairs": n, "win_rate": round(w / n, 4)} for s, w in wins[config].items()},
        }
        for config in CONFIGS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--methods", nargs="*", default=["contextual-simulation", "embedding"])
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "scoring_records.json"))
    args = parser.parse_args()
    records = PackRecords(Path(args.pack))
    items, skipped = matching_items(records)
    if not items:
        sys.exit(f"no test item of {records.slug!r} has its records in {args.pack}: nothing to measure")
    results = {m: {"version": scorer_version(m), "configs": run(m, items)} for m in args.methods}

    print(f"{len(items)} test features with their records in {records.slug} ({skipped} skipped)")
    print(f"{'method':<24}{'records':<14}{'n':>5}" + "".join(f"{s:>17}" for s in SETS))
    for method, entry in results.items():
        for config, fig in entry["configs"].items():
            print(f"{method:<24}{config:<14}{fig['records_per_feature']:>5.0f}"
                  + "".join(f"{fig['sets'][s]['win_rate']:>17.3f}" for s in SETS))
    out = {
        "pack": records.slug,
        "features": len(items),
        "skipped": skipped,
        "configs": {
            "game": "held-out top records + as many random ones (what the game scores on)",
            "never-shown": "held-out + unseen top records, as many random ones",
            "every-record": "every top record (clues included) + every random record",
        },
        "win_rule": "right explanation scores strictly above its rival; a tie or a missing score is a loss",
        "methods": results,
    }
    Path(args.out).write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
