"""The human summary (README.md) of a pack."""

from __future__ import annotations

from pathlib import Path


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def write_readme(pack_dir: Path, meta: dict) -> None:
    m, c = meta["model"], meta["corpus"]
    lines = [
        f"# Pack `{meta['name']}`", "",
        f"Written by `{meta.get('created_by', '')}` with seed {meta.get('seed', 0)}"
        + (f" in {meta['build_seconds']:.0f} s." if meta.get("build_seconds") else "."), "",
        "## Model", "",
        f"- {m['name']} (`{m['slug']}`): {m['n_layers']} layers, d_model {m['d_model']}, "
        f"vocabulary {m['d_vocab']}, context {m['n_ctx']}.",
    ]
    if m.get("validation_loss") is not None:
        lines.append(f"- Validation loss: **{m['validation_loss']:.3f}** nats/token after "
                     f"{m.get('train_tokens', 0):,} training tokens.")
    lines += ["", "## Corpus", "", f"{c['n_docs']:,} documents, {c['n_tokens']:,} tokens. " + c.get("description", ""), ""]
    if c.get("parts"):
        lines += ["| part | kind | package (version) | licence | documents | share of tokens |", "|---|---|---|---|---|---|"]
        for name, p in c["parts"].items():
            lines.append(f"| {name} | {p['kind']} | {p['package']} ({p['version']}) | {p['licence']} | {p['n_docs']:,} | "
                         f"{p['share_of_tokens']:.1%} |")
        lines += ["", "; ".join(f"**{n}**: {p['description']}" for n, p in c["parts"].items()), ""]
    lines += ["## Sources", "",
              "| slug | kind | hook | width | FVU | L0 | alive (held-out) | alive (corpus) |",
              "|---|---|---|---|---|---|---|---|"]
    for s in meta["sources"]:
        mt = s.get("metrics", {})
        f = lambda k: "" if mt.get(k) is None else f"{mt[k]:.3f}"  # noqa: E731
        lines.append(f"| {s['slug']} | {s['kind']} | `{s['hook_point']}` | {s['width']} | {f('fvu')} | "
                     f"{f('l0')} | {f('alive_fraction')} | {f('alive_fraction_corpus')} |")
    lines += ["", "FVU: unexplained variance of the SAE's reconstruction on held-out tokens; L0: mean number of "
              "active latents per token.", "", "Format: see `pipeline/PACK_FORMAT.md`. "
              f"Size on disk: {_size_mb(pack_dir):.1f} MB.", ""]
    (pack_dir / "README.md").write_text("\n".join(lines))
