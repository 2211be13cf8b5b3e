"""Writes each source's feature arrays, baseline explanations and pack.json entry: the step
that `build_demo` and `import_model` share once their features are extracted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .explain_baseline import explain_source
from .features import SourceSpec
from .pack import write_explanations, write_features


def describe_source(s: SourceSpec) -> str:
    if s.kind == "neurons":
        return f"The {s.width} MLP neurons of layer {s.layer} ({s.hook_point})."
    k = getattr(getattr(s.sae, "cfg", None), "k", None)
    kind = f"TopK SAE ({s.width} latents, k={k})" if k else f"{s.architecture or 'SAE'} ({s.width} latents)"
    return f"{kind} on {s.hook_point}."


def write_source_files(
    pack_dir: Path, sources: list[SourceSpec], arrays: dict[str, dict[str, np.ndarray]], tokens: np.ndarray,
    vocab: list[str],
) -> list[dict[str, Any]]:
    """Write features/<slug>.npz and explanations/<slug>.jsonl; return the sources' pack.json entries."""
    entries = []
    for s in sources:
        a = arrays[s.slug]
        s.metrics["alive_fraction_corpus"] = round(float((a["max_activation"] > 0).mean()), 4)
        write_features(pack_dir / "features" / f"{s.slug}.npz", a, s.width)
        write_explanations(pack_dir / "explanations" / f"{s.slug}.jsonl", explain_source(a, tokens, vocab))
        entries.append({
            "slug": s.slug, "kind": s.kind, "layer": s.layer, "hook_point": s.hook_point, "width": s.width,
            "architecture": s.architecture, "weights_path": s.weights_path, "metrics": s.metrics,
            "features": f"features/{s.slug}.npz", "explanations": f"explanations/{s.slug}.jsonl",
            "description": describe_source(s),
        })
    return entries


def publish_pack(building: Path, out: Path, meta: dict[str, Any], started: float) -> dict[str, Any]:
    """Write pack.json and README.md into the directory being built, then swap it in for `out`,
    so a reader never sees a half-written pack."""
    import shutil
    import time

    from .pack import write_pack_json
    from .readme import write_readme

    meta["build_seconds"] = round(time.time() - started, 1)
    write_pack_json(building, meta)
    write_readme(building, meta)
    shutil.rmtree(out, ignore_errors=True)
    building.rename(out)
    return meta
