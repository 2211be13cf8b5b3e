"""Build the records of an uploaded SAE for a model the site already serves, as an *overlay
pack*: a pack (PACK_FORMAT.md) with the model pack's `model` and `corpus` entries and one
source, the SAE's, read by the importer and by the inference engine next to the model pack.

    <out>/
      pack.json              created_by "upload"; model, corpus, window, quantile_bins as the
                             model pack's; sources: [the SAE's entry]; model_pack, tokens_read
      README.md
      vocab.json, corpus_tokens.npy (+ corpus_docs.json)   copied whole from the model pack, so
                             records point at the same tokens and the corpus digest agrees
      saes/<slug>/           the SAE, re-saved by SAELens (float32)
      features/<slug>.npz, explanations/<slug>.jsonl, maps/<slug>.npy (more than 15 latents)

The model is the model pack's own (a demo pack's weights, or a real model from the local
Hugging Face cache, as the inference server loads it); the SAE comes from a local directory.
Nothing is downloaded here (for a real model, set HF_HUB_OFFLINE=1 so that a model missing from
the cache is an error, not a download).
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from inference_client.engine import hook_width, load_pack_model, load_sae

from .feature_map import N_NEIGHBORS, umap_coords, write_map
from .features import SourceSpec, extract_features, source_decoder
from .import_model import ImportSettings
from .pack import PackError, PackMeta, load_corpus_tokens, load_vocab, read_pack
from .records import RecordConfig
from .sae_upload import UploadError
from .source_files import publish_pack, write_source_files
from .train_sae import collect_activations, evaluate_sae

# Activations sampled from the corpus for FVU, L0 and the alive fraction: seconds, not minutes.
EVAL_TOKENS = 20_000
_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")
_BLOCK = re.compile(r"^blocks\.(\d+)\.")

# (stage under way, fraction of the whole build done: 0 to 1, never decreasing). Stages, in
# order: loading, measuring, extracting (again after every batch of both passes), writing,
# mapping (only with more than 15 latents), done.
Progress = Callable[[str, float], None]
# Where each stage's share of the bar ends: the two passes over the corpus are most of it.
_LOADED, _MEASURED, _EXTRACTED, _WRITTEN = 0.05, 0.1, 0.85, 0.9


def build_uploaded_source(
    model_pack: Path, sae_dir: Path, *, slug: str, out: Path, seed: int = 0, max_tokens: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write the overlay pack of the SAE in `sae_dir` (SAELens on-disk format) for the model of
    `model_pack` to `out` (replaced whole once complete), over the model pack's corpus or its
    first documents up to `max_tokens` tokens; return its pack.json dict. A SAE the model
    cannot run is refused with an UploadError naming the field (cfg, weights, slug)."""
    started = time.time()
    say = progress or (lambda stage, fraction: None)
    say("loading", 0.0)
    model_pack, out = Path(model_pack), Path(out)
    pack = read_pack(model_pack)
    _check_slug(slug, pack)
    model, tokenizer = load_pack_model(model_pack, pack.model, "cpu")
    sae = _load_sae_for(model, Path(sae_dir), pack.model["slug"])
    tokens = np.asarray(load_corpus_tokens(model_pack))
    bos = int(tokens[0]) if len(tokens) else -1
    if tokenizer.bos_id is not None and bos != tokenizer.bos_id:
        raise PackError(f"{model_pack}: corpus_tokens.npy does not start with the BOS id {tokenizer.bos_id}")
    doc_starts, end = corpus_prefix(tokens, bos, max_tokens)

    say("measuring", _LOADED)
    hook = sae.cfg.metadata.hook_name
    block = _BLOCK.match(hook)
    spec = SourceSpec(slug, "sae", int(block.group(1)) if block else 0, hook, int(sae.cfg.d_sae), sae=sae,
                      architecture=sae.cfg.architecture(), weights_path=f"saes/{slug}",
                      metrics=_measure(model, sae, tokens[:end], seed))

    say("extracting", _MEASURED)
    record_cfg = RecordConfig(window=pack.window, n_bins=int(pack.raw.get("quantile_bins", 10)))
    arrays = extract_features(
        model, tokens[:end], doc_starts, [spec], cfg=record_cfg, seed=seed, progress=False,
        report=lambda done: say("extracting", _MEASURED + (_EXTRACTED - _MEASURED) * done),
        **_scan_like_the_pack(pack, model, bos),
    )

    say("writing", _EXTRACTED)
    building = out.with_name(out.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    try:
        meta = _write_overlay(building, out, pack, model, spec, arrays, tokens, started,
                              tokens_read=end, quantile_bins=record_cfg.n_bins, seed=seed, say=say)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)  # a failed build leaves nothing half-written
        raise
    say("done", 1.0)
    return meta


def _write_overlay(building: Path, out: Path, pack: PackMeta, model: Any, spec: SourceSpec,
                   arrays: dict[str, dict[str, np.ndarray]], tokens: np.ndarray, started: float, *,
                   tokens_read: int, quantile_bins: int, seed: int, say: Progress) -> dict[str, Any]:
    for name in ("vocab.json", "corpus_tokens.npy", "corpus_docs.json"):
        if (pack.path / name).is_file():
            shutil.copyfile(pack.path / name, building / name)
    spec.sae.save_model(building / "saes" / spec.slug)
    entries = write_source_files(building, [spec], arrays, tokens, load_vocab(pack.path))
    if spec.width > N_NEIGHBORS:  # fewer features than UMAP's neighbours: no map
        say("mapping", _WRITTEN)  # seconds to minutes, with no report of its own
        write_map(building, spec.slug, umap_coords(source_decoder(model, spec).cpu().numpy(), seed=seed))
    meta = {
        "name": out.name, "seed": seed, "created_by": "upload",
        "model": pack.model, "corpus": pack.corpus,
        "window": pack.window, "quantile_bins": quantile_bins,
        "sources": entries,
        # Not in a built pack: which pack it extends, and how much of its corpus was read.
        "model_pack": pack.name, "tokens_read": int(tokens_read),
    }
    return publish_pack(building, out, meta, started)


def corpus_prefix(tokens: np.ndarray, bos: int, max_tokens: int | None) -> tuple[np.ndarray, int]:
    """(document starts, end): the whole stream, or its first `max_tokens` tokens cut back to
    the last document boundary (the first document cut short when it alone is longer).
    Documents are the runs that start at a BOS id, as the pipeline writes the stream."""
    if not len(tokens) or tokens[0] != bos:
        raise PackError("corpus_tokens.npy is empty or does not start with a BOS id")
    if max_tokens is not None and max_tokens < 2:
        raise ValueError("max_tokens must leave room for a BOS and one token of text")
    starts = np.flatnonzero(tokens == bos).astype(np.int64)
    if max_tokens is None or max_tokens >= len(tokens):
        return starts, len(tokens)
    end = int(starts[starts <= max_tokens][-1]) or max_tokens
    return starts[starts < end], end


def _check_slug(slug: str, pack: PackMeta) -> None:
    if not _PLAIN_SLUG.fullmatch(slug):
        raise UploadError(f"The source's name {slug!r} may use only a-z, 0-9 and '-'.", field="slug")
    if any(s.slug == slug for s in pack.sources):
        raise UploadError(f"Model {pack.model['slug']} already has a source {slug!r}; choose another name.",
                          field="slug")


def _load_sae_for(model: Any, sae_dir: Path, model_slug: str) -> Any:
    """The SAE as the engine will run it (float32, eval), once it is known to fit the model."""
    try:
        sae = load_sae(sae_dir, "cpu")
    except Exception as exc:  # noqa: BLE001 (SAELens raises many kinds for a malformed upload)
        raise UploadError(f"SAELens could not load the SAE ({exc.__class__.__name__}: {exc}).",
                          field="weights") from None
    hook = getattr(sae.cfg.metadata, "hook_name", None)
    width = hook_width(model, hook) if isinstance(hook, str) else None
    if width is None:
        suffix = hook.rsplit(".", 1)[-1] if isinstance(hook, str) else ""
        alike = [h for h in model.hook_dict if suffix and h.endswith("." + suffix)]
        hint = f" (this model has {', '.join(alike)})" if alike else ""
        raise UploadError(f"cfg.json: hook point {hook!r} is not one of model {model_slug}'s{hint}.", field="cfg")
    if width != int(sae.cfg.d_in):
        raise UploadError(f"cfg.json: d_in is {sae.cfg.d_in}, but {hook} is {width} wide.", field="cfg")
    broken = [name for name, tensor in sae.state_dict().items() if not bool(tensor.isfinite().all())]
    if broken:  # every activation would be NaN: records, dashboards and scores of nothing
        raise UploadError(f"The weights hold NaN or infinite values (in {', '.join(sorted(broken))}).",
                          field="weights")
    return sae


def _measure(model: Any, sae: Any, tokens: np.ndarray, seed: int) -> dict[str, Any]:
    """FVU, L0 and alive fraction on a sample of the corpus's activations (the SAE was trained
    elsewhere, so any of the corpus is held out for it)."""
    hook = sae.cfg.metadata.hook_name
    acts = collect_activations(model, tokens, [hook], n_tokens=min(EVAL_TOKENS, len(tokens)), seed=seed + 1,
                               progress=False)[hook]
    if acts.shape[1] != int(sae.cfg.d_in):  # per-head hooks (hook_z): the sample is not the SAE's input
        return {}
    return {**evaluate_sae(sae, acts).as_dict(), "eval_tokens": int(len(acts))}


def _scan_like_the_pack(pack: PackMeta, model: Any, bos: int) -> dict[str, Any]:
    """Contexts as the model pack's own sources were scanned: a demo model reads whole n_ctx
    windows of the stream; an imported real model reads shorter ones behind its BOS
    (`import_model`), so the new source's records are comparable with theirs."""
    if not pack.model.get("tl_name"):
        return {}
    settings = ImportSettings()
    n_ctx = min(settings.n_ctx, int(model.cfg.n_ctx) - 1)
    return {"n_ctx": n_ctx, "overlap": min(32, n_ctx // 4), "batch": settings.batch, "prepend": bos}
