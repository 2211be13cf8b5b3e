"""The human-style validity set: sample features, freeze the split, write worksheets, assemble.

    python bench/validity_set.py extract   # features + scoring records -> bench/data/features.jsonl,
                                           # the frozen split -> bench/data/split.json, worksheets
    python bench/validity_set.py assemble  # + bench/data/labels/*.jsonl -> bench/data/human_validity.jsonl
    python bench/validity_set.py extend --pack packs/demo --name prose
                                           # features of another pack, all in the test split (frozen
                                           # with its own hash): features-<name>.jsonl, split-<name>.json
    python bench/validity_set.py extend --pack packs/demo --name prose-tune --split tune \\
        --same-features-as lp-prose-2l
                                           # more features of a pack already in the set, none of
                                           # them drawn before, all in the tune split

Only numpy and the pack reader are needed (no Django), so the set can be rebuilt anywhere.
Each assembled item carries its own records in the `score_file` input format, so the set
survives a rebuilt demo pack.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import pack as packio  # noqa: E402

DATA = ROOT / "bench" / "data"
KIND_TOP, KIND_QUANTILE, KIND_RANDOM = 0, 1, 2
PER_SOURCE = 60
SEED = 7
VARIANTS = ("human", "neighbour", "decoy", "missing", "extra")


def _records_of(arrays: dict, f: int) -> dict[str, list[int]]:
    idx = np.nonzero(arrays["rec_feature"] == f)[0]
    idx = idx[np.argsort(arrays["rec_rank"][idx], kind="stable")]
    kinds, held = arrays["rec_kind"][idx], arrays["rec_held_out"][idx]
    # Random records kept unseen (for the prediction mode) are never scored on, as in the game.
    unseen = arrays["rec_unseen"][idx].astype(bool) if "rec_unseen" in arrays else np.zeros(len(idx), dtype=bool)
    return {
        "held_out": idx[(kinds == KIND_TOP) & held].tolist(),
        "clues": idx[(kinds == KIND_TOP) & ~held].tolist(),
        "quantile": idx[kinds == KIND_QUANTILE].tolist(),
        "random": idx[(kinds == KIND_RANDOM) & ~unseen].tolist(),
        # Kept for the prediction mode: never clues, never scored on.
        "unseen_top": idx[(kinds == KIND_TOP) & unseen].tolist(),
        "random_unseen": idx[(kinds == KIND_RANDOM) & unseen].tolist(),
    }


def _pair(tokens: np.ndarray, arrays: dict, vocab: list[str], r: int) -> dict:
    return {
        "tokens": [vocab[int(t)] for t in packio.record_tokens(tokens, arrays, r)],
        "values": [round(float(v), 4) for v in packio.record_values(arrays, r)],
    }


def _show(rec: dict, max_act: float) -> str:
    """A record as a writer reads it: tokens at 40% of the max or more in [[...]] with their strength 4-10."""
    out = []
    for tok, v in zip(rec["tokens"], rec["values"]):
        text = tok.replace("\n", "↵")
        level = int(round(10 * v / max_act)) if max_act > 0 else 0
        out.append(f"[[{text}]]{level}" if level >= 4 else text)
    return "".join(out)


def _sample(pack: Path, per_source: int, seed: int, id_prefix: str = "",
            sources: tuple[str, ...] = (), drawn: frozenset[tuple[str, int]] = frozenset()
            ) -> tuple[list[dict], list[str]]:
    """Features with enough held-out and clue records, their scoring records and worksheets;
    none of the (source, index) pairs in `drawn`."""
    tokens = np.asarray(packio.load_corpus_tokens(pack))
    vocab = packio.load_vocab(pack)
    rng = np.random.default_rng(seed)
    items, sheets = [], []
    for slug in sources or [s.slug for s in packio.read_pack(pack).sources]:
        arrays = packio.load_features(pack, slug)
        maxact = arrays["max_activation"]
        expl = {e["index"]: e["text"] for e in packio.load_explanations(pack, slug)}
        alive = [f for f in range(len(maxact)) if maxact[f] > 0 and not expl.get(f, "never fires").startswith("never fires")]
        recs = {f: _records_of(arrays, f) for f in alive}
        usable = [f for f in alive if len(recs[f]["held_out"]) >= 4 and len(recs[f]["clues"]) >= 8
                  and int(arrays["neighbour_idx"][f][0]) in recs and (slug, f) not in drawn]
        chosen = sorted(rng.choice(usable, size=min(per_source, len(usable)), replace=False).tolist())
        for f in chosen:
            r = recs[f]
            nb = int(arrays["neighbour_idx"][f][0])
            item = {
                "id": f"{id_prefix}{slug}/{f}",
                "source": slug,
                "index": f,
                "neighbour": {"index": nb, "cosine": round(float(arrays["neighbour_cos"][f][0]), 4)},
                "max_activation": round(float(maxact[f]), 4),
                "records": [_pair(tokens, arrays, vocab, i) for i in r["held_out"]],
                # As the game scores: every held-out top record, and as many random ones.
                "random_records": [_pair(tokens, arrays, vocab, i) for i in r["random"][: len(r["held_out"])]],
            }
            items.append(item)
            show = [_pair(tokens, arrays, vocab, i) for i in r["clues"] + r["held_out"]]
            show.sort(key=lambda p: -max(p["values"]))
            mids = r["quantile"][len(r["quantile"]) // 3 :: max(1, len(r["quantile"]) // 4)][:3]
            nb_show = [_pair(tokens, arrays, vocab, i) for i in recs[nb]["clues"][:8]]
            lines = [f"## {item['id']}", "", "Top examples:"]
            lines += [f"- {_show(p, float(maxact[f]))}" for p in show]
            lines += ["", "Weaker examples:"]
            lines += [f"- {_show(_pair(tokens, arrays, vocab, i), float(maxact[f]))}" for i in mids]
            lines += ["", f"Nearest neighbour ({slug}/{nb}), its top examples:"]
            lines += [f"- {_show(p, float(maxact[nb]))}" for p in nb_show]
            sheets.append("\n".join(lines) + "\n")
    return items, sheets


def _write_sheets(sheets: list[str], wdir: Path, per: int = 26) -> None:
    wdir.mkdir(parents=True, exist_ok=True)
    for k in range(0, len(sheets), per):
        (wdir / f"part-{k // per + 1}.md").write_text("\n".join(sheets[k : k + per]))


def extract(pack: Path) -> None:
    items, sheets = _sample(pack, PER_SOURCE, SEED)
    DATA.mkdir(parents=True, exist_ok=True)
    with open(DATA / "features.jsonl", "w") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    # The split is fixed before any scorer work: a seeded third of the features, per source.
    test = []
    for slug in dict.fromkeys(it["source"] for it in items):
        ids = [it["id"] for it in items if it["source"] == slug]
        perm = np.random.default_rng(SEED + 1).permutation(len(ids))
        test += sorted(ids[i] for i in perm[: len(ids) // 3])
    test.sort()
    digest = hashlib.sha256("\n".join(test).encode()).hexdigest()
    (DATA / "split.json").write_text(json.dumps({"test": test, "sha256": digest}, indent=1) + "\n")
    wdir = DATA / "worksheets"
    _write_sheets(sheets, wdir)
    print(f"{len(items)} features, {len(test)} in the test split (sha256 {digest}); worksheets in {wdir}")


def already_drawn(models: set[str], but: str = "") -> frozenset[tuple[str, int]]:
    """(source, index) of every feature of these models (by the slug its id carries) already in
    the set, but for the added set named `but` (so that drawing it again gives the same draw)."""
    drawn = set()
    for path in DATA.glob("features*.jsonl"):
        if but and path.name == f"features-{but}.jsonl":
            continue
        for line in open(path):
            item = json.loads(line)
            if ":" in item["id"] and item["id"].split(":", 1)[0] in models:
                drawn.add((item["source"], int(item["index"])))
    return frozenset(drawn)


def extend(pack: Path, name: str, per_source: int, sources: tuple[str, ...] = (), split: str = "test",
           same_features_as: tuple[str, ...] = ()) -> None:
    """Items from another pack (a rebuilt demo). In the test split (the default), the scorer's
    figures then describe the features players meet; in the tune split, scorers can be tuned on
    the kinds of text players meet, on features never drawn before. Ids carry the pack's model
    slug; `same_features_as` names earlier models whose features this pack shares (a rebuilt
    pack that keeps its model keeps its neurons), so that none is drawn twice."""
    model = packio.read_pack(pack).model["slug"]
    # Test sets were drawn from every feature; a tune set never takes one already drawn.
    drawn = already_drawn({model, *same_features_as}, but=name) if split == "tune" else frozenset()
    seed = SEED + (100 if split == "test" else 200)
    items, sheets = _sample(pack, per_source, seed, id_prefix=f"{model}:", sources=sources, drawn=drawn)
    for it in items:
        it["pack"] = model
    with open(DATA / f"features-{name}.jsonl", "w") as fh:
        for it in items:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    ids = sorted(it["id"] for it in items)
    digest = hashlib.sha256("\n".join(ids).encode()).hexdigest()
    frozen = {"test": ids if split == "test" else [], "tune": [] if split == "test" else ids, "sha256": digest}
    (DATA / f"split-{name}.json").write_text(json.dumps(frozen, indent=1) + "\n")
    wdir = DATA / f"worksheets-{name}"
    _write_sheets(sheets, wdir, per=10)
    print(f"{len(items)} features of {model}, all in the {split} split (sha256 {digest}); worksheets in {wdir}")


def assemble() -> None:
    features = {}
    for path in sorted(DATA.glob("features*.jsonl")):
        features.update({json.loads(line)["id"]: json.loads(line) for line in open(path)})
    test: set[str] = set()
    for path in sorted(DATA.glob("split*.json")):
        test |= set(json.loads(path.read_text())["test"])
    labels: dict[str, dict] = {}
    for path in sorted((DATA / "labels").glob("*.jsonl")):
        for n, line in enumerate(open(path), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [v for v in VARIANTS if not str(row.get(v, "")).strip()]
            if row.get("id") not in features or missing:
                raise SystemExit(f"{path.name}:{n}: unknown id or missing {missing}")
            labels[row["id"]] = row
    out = []
    for fid, item in features.items():
        if fid not in labels:
            continue
        out.append({**item, "split": "test" if fid in test else "tune",
                    "explanations": {v: labels[fid][v].strip() for v in VARIANTS}})
    with open(DATA / "human_validity.jsonl", "w") as fh:
        for it in out:
            fh.write(json.dumps(it, ensure_ascii=False) + "\n")
    n_test = sum(it["split"] == "test" for it in out)
    print(f"{len(out)} labelled features ({n_test} test, {len(out) - n_test} tune) -> human_validity.jsonl")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["extract", "assemble", "extend"])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--name", default="prose", help="extend: the name of the added set")
    parser.add_argument("--per-source", type=int, default=20, help="extend: features per source")
    parser.add_argument("--sources", default="", help="extend: comma-separated sources (default: all of the pack's)")
    parser.add_argument("--split", choices=["test", "tune"], default="test", help="extend: the split of the added set")
    parser.add_argument("--same-features-as", default="",
                        help="extend --split tune: comma-separated models whose drawn features count as drawn")
    args = parser.parse_args()
    if args.step == "extract":
        extract(Path(args.pack))
    elif args.step == "extend":
        extend(Path(args.pack), args.name, args.per_source, tuple(x for x in args.sources.split(",") if x), args.split,
               tuple(x for x in args.same_features_as.split(",") if x))
    else:
        assemble()


if __name__ == "__main__":
    main()
