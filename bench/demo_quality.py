"""What a player meets in a pack: how many of each source's features are alive, dead or dense,
how many read as one token rather than a context, and how much of what the clues show is prose.

    .venv/bin/python bench/demo_quality.py [--pack packs/demo] [--out bench/results/demo_quality.json]

Reads the pack from disk only (pipeline/pack.py; no Django, no database). The model is loaded
(pipeline code: `model/` of a demo pack, or `tl_name` for an imported one) only when a source lacks
held-out figures in pack.json's `metrics`, e.g. neurons, which never have them.

Definitions, per source (a fraction is over the source's `width` features unless said otherwise):

- `alive`: fraction of the features that fire (activation > 0) at least once on held-out
  validation text. Taken from the source's `metrics.alive_fraction` when the pack has it (build_demo
  measures it on held-out tokens); otherwise measured here: the model runs over the pack's
  validation documents (the last `corpus.n_validation_docs` BOS-separated documents of
  `corpus_tokens.npy`), from their start and capped at `--validation-tokens` (30,000) tokens, in
  the pipeline's chunks (`pipeline.features._run_batches`); BOS positions are dropped (they are
  not text). SAE sources encode the hook activations with the pack's SAE (`saes/<slug>`, SAELens
  format).
- `fvu`, `l0` (SAEs only; null for neurons): unexplained variance of the SAE's reconstruction and
  mean number of active latents per token, from `metrics` or, when missing, measured on the same
  validation tokens with `pipeline.train_sae.evaluate_sae` (the function build_demo uses).
- `dead`: fraction of features with no top record in the pack (they never fired in the corpus,
  so a player could never be shown them).
- `dense`: fraction of features firing on more than 10% of the corpus tokens (`frac_nonzero`).
- `n_features_live`: number of features with at least one top record.
- `contextual_share`: among live features with top clue records, the share whose clue records
  peak on at least THREE different token strings. A clue record is a record of kind "top"
  (`rec_kind` 0) that is neither held out for scoring (`rec_held_out`) nor kept unseen
  (`rec_unseen`, in packs that have it). Its peak token is the token at its max position
  (`rec_start + rec_max_pos` in `corpus_tokens.npy`), read as its display string (`vocab.json`),
  lower-cased and stripped of surrounding whitespace (so "cat", "Cat" and " cat" are one string;
  whitespace-only tokens all become the empty string).
  `token_share` = 1 - `contextual_share`.
- `prose_clue_share`: the share of the source's clue records (as above; held-out and unseen top
  records, quantile and random records are not clues) whose document comes from a prose source
  rather than code. A record's document is the BOS-separated segment of `corpus_tokens.npy` its `rec_start`
  falls in (binary search over the document starts); its source is read from the pack's
  `corpus_docs.json` (`{"sources": {name: {"kind": "prose"|"code", ...}}, "doc_source": [name of
  document 0, 1, ...]}`, corpus order: training documents, then validation ones). A pack without
  `corpus_docs.json` (the demo pack until it is rebuilt: its corpus is all Python standard-library
  docstrings and pydoc pages) counts every document as code, so its share is 0; the output says so
  in `notes`.

Pack level: `prose_clue_share` pools every source's clue records; `corpus` gives each corpus
source's kind and its share of the corpus's tokens (each document's tokens with its BOS, as
build_demo counts them), from `corpus_docs.json`'s `doc_source` over `corpus_tokens.npy`,
or pack.json's single corpus (kind "code", share 1) without it. Writes the JSON to `--out`.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.pack import PackError, PackMeta, load_corpus_tokens, load_features, load_vocab, read_pack  # noqa: E402
from pipeline.records import KIND_TOP  # noqa: E402

DENSE_FRACTION = 0.10
CONTEXTUAL_MIN_STRINGS = 3
VALIDATION_TOKENS = 30_000
CORPUS_DOCS = "corpus_docs.json"
PROSE, CODE = "prose", "code"
NO_CORPUS_DOCS_NOTE = (f"the pack has no {CORPUS_DOCS}: every document counts as code (the demo corpus is "
                       "Python standard-library docstrings and pydoc topic pages), so prose_clue_share is 0")


# ---------------------------------------------------------------- documents and corpus sources

def document_starts(tokens: np.ndarray, bos_id: int | None = None) -> np.ndarray:
    """Offsets of the BOS token that opens each document (the stream starts with one)."""
    if len(tokens) == 0:
        return np.zeros(0, dtype=np.int64)
    bos_id = int(tokens[0]) if bos_id is None else bos_id
    if int(tokens[0]) != bos_id:
        raise PackError("corpus_tokens.npy does not start with the BOS id")
    return np.flatnonzero(np.asarray(tokens) == bos_id).astype(np.int64)


def record_documents(rec_start: np.ndarray, doc_starts: np.ndarray) -> np.ndarray:
    """Index of the document each record's window starts in."""
    return np.searchsorted(doc_starts, np.asarray(rec_start, dtype=np.int64), side="right") - 1


def load_corpus_docs(pack: str | Path) -> dict | None:
    """The pack's corpus_docs.json, or None when it has none."""
    path = Path(pack) / CORPUS_DOCS
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise PackError(f"{path}: invalid JSON ({e})") from e
    if not isinstance(data, dict) or not isinstance(data.get("sources"), dict) or not isinstance(data.get("doc_source"), list):
        raise PackError(f"{path}: expected {{\"sources\": {{...}}, \"doc_source\": [...]}}")
    for name, s in data["sources"].items():
        if not isinstance(s, dict) or s.get("kind") not in (PROSE, CODE):
            raise PackError(f"{path}: source {name!r} needs \"kind\": \"prose\" or \"code\"")
    unknown = sorted(set(data["doc_source"]) - set(data["sources"]))
    if unknown:
        raise PackError(f"{path}: doc_source names unknown sources {unknown[:5]}")
    return data


def document_is_prose(corpus_docs: dict | None, n_docs: int) -> np.ndarray:
    """bool[n_docs]: whether each document comes from a prose source (all False without corpus_docs)."""
    if corpus_docs is None:
        return np.zeros(n_docs, dtype=bool)
    names = corpus_docs["doc_source"]
    if len(names) != n_docs:
        raise PackError(f"{CORPUS_DOCS} lists {len(names)} documents but corpus_tokens.npy has {n_docs}")
    kinds = {name: s["kind"] for name, s in corpus_docs["sources"].items()}
    return np.array([kinds[n] == PROSE for n in names], dtype=bool)


def corpus_shares(meta: PackMeta, tokens: np.ndarray, doc_starts: np.ndarray,
                  corpus_docs: dict | None) -> dict[str, dict[str, Any]]:
    """{source name: {"kind", "share_of_tokens"}}: each corpus source's share of corpus_tokens.npy
    (a document's tokens with its BOS, as build_demo counts them for corpus_docs.json)."""
    if corpus_docs is None:
        return {meta.corpus.get("name", "corpus"): {"kind": CODE, "share_of_tokens": 1.0}}
    document_is_prose(corpus_docs, len(doc_starts))  # checks the document count
    doc_tokens = np.diff(np.append(doc_starts, len(tokens)))
    per: dict[str, int] = {name: 0 for name in corpus_docs["sources"]}
    for name, n in zip(corpus_docs["doc_source"], doc_tokens.tolist()):
        per[name] += n
    total = max(1, sum(per.values()))
    return {name: {"kind": corpus_docs["sources"][name]["kind"], "share_of_tokens": round(n / total, 4)}
            for name, n in per.items()}


# ---------------------------------------------------------------- record-level measures

def token_key(display: str) -> str:
    """A peak token's string as the contextual measure compares it."""
    return display.strip().lower()


def clue_mask(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """Top records shown as clues: not the held-out ones (kept for scoring) nor, in packs that have
    `rec_unseen`, the ones kept unseen for players to predict."""
    mask = (arrays["rec_kind"] == KIND_TOP) & ~arrays["rec_held_out"].astype(bool)
    if "rec_unseen" in arrays:
        mask &= ~arrays["rec_unseen"].astype(bool)
    return mask


def peak_strings(arrays: dict[str, np.ndarray], tokens: np.ndarray, vocab: list[str], records: np.ndarray) -> list[str]:
    pos = arrays["rec_start"][records].astype(np.int64) + arrays["rec_max_pos"][records].astype(np.int64)
    return [token_key(vocab[int(t)]) for t in np.asarray(tokens)[pos]]


def record_measures(arrays: dict[str, np.ndarray], tokens: np.ndarray, vocab: list[str],
                    doc_starts: np.ndarray, doc_prose: np.ndarray) -> dict[str, Any]:
    """dead, dense, live count, contextual/token share and prose clue counts of one source."""
    width = len(arrays["max_activation"])
    feature = arrays["rec_feature"]
    has_top = np.zeros(width, dtype=bool)
    has_top[feature[arrays["rec_kind"] == KIND_TOP]] = True
    clues = np.flatnonzero(clue_mask(arrays))
    strings: dict[int, set[str]] = {}
    for r, s in zip(clues.tolist(), peak_strings(arrays, tokens, vocab, clues)):
        strings.setdefault(int(feature[r]), set()).add(s)
    judged = [f for f in strings if has_top[f]]
    contextual = sum(len(strings[f]) >= CONTEXTUAL_MIN_STRINGS for f in judged)
    contextual_share = contextual / len(judged) if judged else 0.0
    prose = int(doc_prose[record_documents(arrays["rec_start"][clues], doc_starts)].sum()) if len(clues) else 0
    return {
        "dead": float(1.0 - has_top.mean()) if width else 0.0,
        "dense": float((arrays["frac_nonzero"] > DENSE_FRACTION).mean()) if width else 0.0,
        "contextual_share": contextual_share, "token_share": 1.0 - contextual_share,
        "n_features_live": int(has_top.sum()), "n_features_judged": len(judged),
        "clue_records": int(len(clues)), "prose_clue_records": prose,
        "prose_clue_share": prose / len(clues) if len(clues) else 0.0,
    }


# ---------------------------------------------------------------- held-out (validation) measures

def validation_tokens(meta: PackMeta, tokens: np.ndarray, doc_starts: np.ndarray,
                      cap: int = VALIDATION_TOKENS) -> tuple[np.ndarray, np.ndarray, str]:
    """The first `cap` tokens of the validation documents, the BOS offsets inside them, and a note."""
    n_val = meta.corpus.get("n_validation_docs")
    note = f"the last {n_val} documents (corpus.n_validation_docs)"
    if not n_val:
        n_val = max(1, len(doc_starts) // 20)
        note = (f"the pack names no validation documents (corpus.n_validation_docs): the last {n_val} "
                "documents (5%) stand in, which the pack may have seen")
    n_val = min(int(n_val), len(doc_starts))
    start = int(doc_starts[len(doc_starts) - n_val])
    val = np.asarray(tokens[start:start + cap])
    bos = doc_starts[(doc_starts >= start) & (doc_starts < start + len(val))] - start
    return val, bos, note


def load_pack_model(meta: PackMeta):
    """(HookedTransformer, token to prepend to every input or None, context length), as the pipeline
    builds packs: a demo pack's own `model/`, or the TransformerLens model named by `tl_name`."""
    model_dir = meta.path / "model"
    if (model_dir / "cfg.json").is_file():
        from pipeline.train_model import load_model

        model = load_model(model_dir)
        return model, None, model.cfg.n_ctx
    if meta.model.get("tl_name"):
        from pipeline.import_model import load_model

        model = load_model(meta.model["tl_name"])
        tok = model.tokenizer
        bos = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        return model, bos, min(128, model.cfg.n_ctx - 1)  # as import_model runs it
    raise PackError(f"{meta.path}: no model/ directory and no model.tl_name")


@torch.no_grad()
def validation_measures(model, val: np.ndarray, bos: np.ndarray, specs: list, *, prepend: int | None = None,
                        n_ctx: int | None = None, batch: int = 32) -> dict[str, dict[str, float | None]]:
    """{slug: {"alive", "fvu", "l0"}} on `val` (BOS rows dropped) for pipeline `SourceSpec`s."""
    from pipeline.features import _run_batches
    from pipeline.train_sae import evaluate_sae

    n_ctx = n_ctx or model.cfg.n_ctx
    hooks = sorted({s.hook_point for s in specs})
    keep = np.ones(len(val), dtype=bool)
    keep[bos] = False
    parts: dict[str, list[torch.Tensor]] = {h: [] for h in hooks}
    for start, acts in _run_batches(model, val, bos, hooks, n_ctx, min(32, n_ctx // 4), batch,
                                    "validation", False, prepend=prepend):
        rows = torch.from_numpy(keep[start:start + next(iter(acts.values())).shape[0]])
        for h in hooks:
            parts[h].append(acts[h][rows])
    hooked = {h: torch.cat(v) for h, v in parts.items()}
    out: dict[str, dict[str, float | None]] = {}
    for s in specs:
        x = hooked[s.hook_point]
        if s.sae is None:
            out[s.slug] = {"alive": float((x.max(dim=0).values > 0).float().mean()), "fvu": None, "l0": None}
        else:
            m = evaluate_sae(s.sae, x)
            out[s.slug] = {"alive": m.alive_fraction, "fvu": m.fvu, "l0": m.l0}
    return out


# ---------------------------------------------------------------- the pack

def _r(x: float | None) -> float | None:
    return None if x is None else round(float(x), 4)


def measure_pack(pack: str | Path, *, max_validation_tokens: int = VALIDATION_TOKENS) -> dict[str, Any]:
    """Every figure of the module docstring for the pack at `pack`."""
    meta = read_pack(pack)
    pack = meta.path
    tokens = np.asarray(load_corpus_tokens(pack))
    vocab = load_vocab(pack)
    doc_starts = document_starts(tokens)
    if meta.corpus.get("n_docs") and int(meta.corpus["n_docs"]) != len(doc_starts):
        raise PackError(f"pack.json says {meta.corpus['n_docs']} documents; corpus_tokens.npy has "
                        f"{len(doc_starts)} BOS-separated ones")
    corpus_docs = load_corpus_docs(pack)
    doc_prose = document_is_prose(corpus_docs, len(doc_starts))
    notes = [] if corpus_docs is not None else [NO_CORPUS_DOCS_NOTE]

    sources: dict[str, dict[str, Any]] = {}
    need: list = []  # SourceSpecs whose held-out figures are missing from metrics
    clue_total = prose_total = 0
    for s in meta.sources:
        rec = record_measures(load_features(pack, s.slug), tokens, vocab, doc_starts, doc_prose)
        clue_total += rec["clue_records"]
        prose_total += rec["prose_clue_records"]
        m = s.metrics or {}
        is_sae = s.kind == "sae"
        row = {"kind": s.kind, "width": s.width, "alive": m.get("alive_fraction"), "dead": rec["dead"],
               "dense": rec["dense"], "fvu": m.get("fvu") if is_sae else None, "l0": m.get("l0") if is_sae else None,
               "contextual_share": rec["contextual_share"], "token_share": rec["token_share"],
               "prose_clue_share": rec["prose_clue_share"], "n_features_live": rec["n_features_live"],
               "alive_from": "pack metrics"}
        sources[s.slug] = row
        if row["alive"] is None or (is_sae and (row["fvu"] is None or row["l0"] is None)):
            from pipeline.features import SourceSpec

            sae = None
            if is_sae:
                if not s.weights_path:
                    notes.append(f"{s.slug}: no SAE weights in the pack; alive/fvu/l0 missing from metrics stay null")
                    row["alive_from"] = "unavailable"
                    continue
                from sae_lens import SAE

                sae = SAE.load_from_disk(str(pack / s.weights_path))
            need.append(SourceSpec(s.slug, s.kind, s.layer, s.hook_point, s.width, sae=sae))

    validation: dict[str, Any] | None = None
    if need:
        val, bos, where = validation_tokens(meta, tokens, doc_starts, max_validation_tokens)
        model, prepend, n_ctx = load_pack_model(meta)
        t0 = time.perf_counter()
        measured = validation_measures(model, val, bos, need, prepend=prepend, n_ctx=n_ctx)
        validation = {"tokens": int(len(val) - len(bos)), "documents": where,
                      "seconds": round(time.perf_counter() - t0, 1)}
        for slug, v in measured.items():
            row = sources[slug]
            for k in ("alive", "fvu", "l0"):
                if row[k] is None and v[k] is not None:
                    row[k] = v[k]
            row["alive_from"] = f"measured on {validation['tokens']} held-out tokens"
        notes.append(f"measured here on {validation['tokens']} text tokens of {where}: "
                     + ", ".join(f"{slug} ({'alive' if v['fvu'] is None else 'alive, fvu, l0 where missing'})"
                                 for slug, v in measured.items()))

    for row in sources.values():
        for k in ("alive", "dead", "dense", "fvu", "l0", "contextual_share", "token_share", "prose_clue_share"):
            row[k] = _r(row[k])
    return {
        "pack": meta.name, "model": meta.model.get("slug"), "validation_loss": meta.model.get("validation_loss"),
        "sources": sources,
        "prose_clue_share": _r(prose_total / clue_total if clue_total else 0.0),
        "corpus": corpus_shares(meta, tokens, doc_starts, corpus_docs),
        "validation": validation,
        "notes": notes,
    }


def format_table(result: dict[str, Any]) -> str:
    def f(x: Any) -> str:
        return "–" if x is None else f"{x:.3f}" if isinstance(x, float) else str(x)

    cols = ["kind", "width", "alive", "dead", "dense", "fvu", "l0", "contextual_share", "token_share",
            "prose_clue_share", "n_features_live"]
    heads = ["source", "kind", "width", "alive", "dead", "dense", "fvu", "l0", "contextual", "token",
             "prose clues", "live"]
    rows = [[slug] + [f(r[c]) for c in cols] for slug, r in result["sources"].items()]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))  # noqa: E731
    out = [f"pack {result['pack']} / model {result['model']} (validation loss {f(result['validation_loss'])})",
           line(heads), line(["-" * w for w in widths]), *map(line, rows),
           f"prose share of all clue records: {f(result['prose_clue_share'])}",
           "corpus: " + ", ".join(f"{n} ({c['kind']}, {c['share_of_tokens']:.1%} of tokens)" for n, c in result["corpus"].items())]
    out += [f"note: {n}" for n in result["notes"]]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "demo_quality.json"))
    ap.add_argument("--validation-tokens", type=int, default=VALIDATION_TOKENS)
    ap.add_argument("--threads", type=int, default=1, help="torch threads (the machine is shared)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    result = measure_pack(args.pack, max_validation_tokens=args.validation_tokens)
    result.update({"seconds": round(time.perf_counter() - t0, 1), "torch_threads": torch.get_num_threads(),
                   "machine": platform.machine(), "python": platform.python_version(), "torch": torch.__version__})
    print(format_table(result))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
