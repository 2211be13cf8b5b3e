"""An offline baseline explainer: names the tokens where a feature fires most.

From the feature's top records that players see (held-out ones excluded, near-duplicates weighted
by how many windows they stand for) it counts the max tokens and the tokens just before them, and
reads the promoted tokens of the logit lens, then says it in plain words, e.g.
`the token " import" (also " from") after "\\n", predicting " os"`.
"""

from __future__ import annotations

import json
from collections import Counter

import numpy as np

from .records import KIND_TOP

AUTHOR_MODEL = "baseline-top-tokens-v1"


def quote(s: str) -> str:
    """A token as readers see it in the UI: quoted, with newlines and tabs escaped."""
    return json.dumps(s, ensure_ascii=False)


def _top_records(arrays: dict[str, np.ndarray]) -> dict[int, np.ndarray]:
    mask = (arrays["rec_kind"] == KIND_TOP) & ~arrays["rec_held_out"]
    idx = np.flatnonzero(mask)
    feats = arrays["rec_feature"][idx]
    order = np.argsort(feats, kind="stable")
    idx, feats = idx[order], feats[order]
    bounds = np.searchsorted(feats, np.arange(len(arrays["max_activation"]) + 1))
    return {f: idx[bounds[f]:bounds[f + 1]] for f in range(len(bounds) - 1)}


def explain_feature(arrays: dict[str, np.ndarray], tokens: np.ndarray, vocab: list[str], f: int,
                    recs: np.ndarray) -> str:
    if arrays["max_activation"][f] <= 0 or len(recs) == 0:
        return "never fires on the corpus (dead feature)"
    here, before = Counter(), Counter()
    for r in recs:
        w = 1 + int(arrays["rec_duplicates"][r])
        p = int(arrays["rec_start"][r]) + int(arrays["rec_max_pos"][r])
        here[int(tokens[p])] += w
        if arrays["rec_max_pos"][r] > 0:
            before[int(tokens[p - 1])] += w
    total = sum(here.values())
    ranked = here.most_common()
    main_id, main_n = ranked[0]
    others = [vocab[t] for t, n in ranked[1:] if n / total >= 0.1][:3]
    if main_n / total >= 0.5:
        text = f"the token {quote(vocab[main_id])}"
        if others:
            text += " (also " + ", ".join(quote(o) for o in others) + ")"
    else:
        names = [vocab[main_id]] + others
        if len(names) == 1:
            names += [vocab[t] for t, _ in ranked[1:3]]
        text = "tokens like " + ", ".join(quote(n) for n in names)
    if before:
        prev_id, prev_n = before.most_common(1)[0]
        if prev_n / sum(before.values()) >= 0.4:
            text += f" after {quote(vocab[prev_id])}"
    promoted = [vocab[int(t)] for t in arrays["logit_top_ids"][f][:2]]
    text += ", predicting " + " or ".join(quote(p) for p in promoted)
    return text


def explain_source(arrays: dict[str, np.ndarray], tokens: np.ndarray, vocab: list[str]) -> list[dict]:
    """One explanation per feature: [{"index", "text", "author_model"}]."""
    by_feature = _top_records(arrays)
    return [{"index": f, "text": explain_feature(arrays, tokens, vocab, f, by_feature.get(f, np.zeros(0, int))),
             "author_model": AUTHOR_MODEL} for f in range(len(arrays["max_activation"]))]
