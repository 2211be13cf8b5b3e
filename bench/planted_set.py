"""The planted set: features with a known rule, their true explanation and three decoys.

    .venv/bin/python bench/planted_set.py [--pack packs/demo] [--seed 0]

Plants the features of `pipeline/planted.py` over a pack's corpus and writes
`bench/data/planted.jsonl`, one feature a line, with the records it is scored on exactly as
the game picks them for a real feature (its held-out top records, and as many random records
that are not kept unseen) plus a few clue records, all in `manage.py score_file`'s
tokens-and-values form, so the set survives a rebuilt pack. Only numpy and torch are needed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.planted import Planted, PlantedRecord, load_demo_corpus, plant_features  # noqa: E402

OUT = ROOT / "bench" / "data" / "planted.jsonl"
SEED = 0
MAX_CLUES = 5


def _pair(record: PlantedRecord, vocab: list[str]) -> dict:
    return {"tokens": [vocab[int(t)] for t in record.token_ids],
            "values": [round(float(v), 4) for v in record.values]}


def scoring_records(planted: Planted) -> tuple[list[PlantedRecord], list[PlantedRecord]]:
    """As `game.selectors.scoring_input_for`: held-out top records by rank, and the random
    records not kept unseen, by rank, as many as there are top ones."""
    top = sorted((r for r in planted.records if r.kind == "top" and r.held_out), key=lambda r: r.rank)
    randoms = sorted((r for r in planted.records if r.kind == "random" and not r.unseen), key=lambda r: r.rank)
    return top, randoms[:len(top)]


def clue_records(planted: Planted, limit: int = MAX_CLUES) -> list[PlantedRecord]:
    """The strongest clues a player sees: top records neither held out nor unseen."""
    clues = [r for r in planted.records if r.kind == "top" and not r.held_out and not r.unseen]
    return sorted(clues, key=lambda r: r.rank)[:limit]


def item(planted: Planted, vocab: list[str]) -> dict:
    top, randoms = scoring_records(planted)
    return {
        "id": planted.key,
        "kind": planted.kind,
        "rule": planted.rule,
        "explanations": {"true": planted.explanation, "decoys": list(planted.decoys)},
        "max_activation": round(planted.max_activation, 4),
        "frac_nonzero": round(planted.frac_nonzero, 6),
        "records": [_pair(r, vocab) for r in top],
        "random_records": [_pair(r, vocab) for r in randoms],
        "clues": [_pair(r, vocab) for r in clue_records(planted)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args()
    t0 = time.time()
    tokens, doc_starts, vocab = load_demo_corpus(Path(args.pack))
    planted = plant_features(tokens, doc_starts, vocab, seed=args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w") as fh:
        for p in planted:
            fh.write(json.dumps(item(p, vocab), ensure_ascii=False) + "\n")
    for p in planted:
        print(f"{p.key:32s} {p.kind:9s} fires on {p.frac_nonzero:.4f} of tokens, max {p.max_activation:.2f}")
    by_kind = {k: sum(p.kind == k for p in planted) for k in ("token", "context", "position")}
    print(f"{len(planted)} planted features {by_kind} -> {out} ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
