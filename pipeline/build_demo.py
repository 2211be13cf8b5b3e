"""Build the demo pack end to end: corpus -> tokenizer -> model -> SAEs -> records -> explanations.

Everything is deterministic given `seed` (same machine, same library versions).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from .corpus import build_corpus
from .corpus_sources import SOURCES, source_version
from .feature_map import N_NEIGHBORS, umap_coords, write_map
from .features import SourceSpec, extract_features, source_decoder
from .source_files import publish_pack, write_source_files
from .tokenizer import display_strings, encode_stream, save_vocab, train_tokenizer
from .train_model import DEMO_MODEL_SLUG, demo_config, save_model, train_model
from .train_sae import collect_activations, evaluate_sae, save_sae, train_topk_sae

RESIDUAL_HOOKS = ("hook_resid_pre", "hook_resid_mid", "hook_resid_post")


@dataclass(frozen=True)
class DemoSettings:
    vocab_size: int = 4096
    # Measured: a 4-layer model trained on 5M tokens (val loss 4.36 against 4.90) read single words
    # more, not less: 28-29% of its layer-2/3 MLP SAE latents peaked on three or more different
    # words, against 35% here. Its sharper features split the frequent words by context.
    n_layers: int = 2
    train_tokens: int = 2_000_000
    # The layer every source reads (its MLP neurons, an SAE on them, an SAE on the residual stream).
    feature_layer: int = 1
    train_batch: int = 16
    train_lr: float = 3e-3
    sae_tokens: int = 240_000
    sae_epochs: float = 3.0
    # TopK widths and k chosen by the share of latents whose top clues peak on at least three
    # different words (what a player can explain as a concept rather than one word), with FVU,
    # alive and dense fractions checked beside it. MLP SAE at 2048 wide: k=32 35%, k=64 38%,
    # k=96 44-45% (FVU 0.024, 9% dense); at 1024 wide, k=48 41%.
    mlp_sae_width: int = 2048
    mlp_sae_k: int = 96
    # The residual SAE reads the stream after the layer's attention, before its MLP: there each
    # position already holds what attention gathered from the words before it. At k=24 and 1024
    # wide 42% of latents peak on three or more words (38% after the MLP), 96% fire on held-out
    # prose and 2.5% are dense; k=48 gave 46% but 14% dense, 2048 wide 48% but 11% never fired.
    res_sae_hook: str = "hook_resid_mid"
    res_sae_width: int = 1024
    res_sae_k: int = 24
    eval_tokens: int = 30_000
    # Only for quick end-to-end tests: keep this many documents (None: the whole corpus).
    max_documents: int | None = None
    # Corpus parts to use (None: every source in pipeline/corpus_sources.py).
    sources: tuple[str, ...] | None = None
    # A retrained model is a different model: it gets its own slug, so an import never swaps
    # the records under explanations, scores and points earned on the old one.
    model_slug: str = DEMO_MODEL_SLUG

    def __post_init__(self) -> None:
        if self.n_layers < 1:
            raise ValueError(f"n_layers must be at least 1, not {self.n_layers}")
        if not 0 <= self.feature_layer < self.n_layers:
            raise ValueError(f"feature_layer {self.feature_layer} is not a layer of a {self.n_layers}-layer model "
                             f"(0 to {self.n_layers - 1})")
        if self.res_sae_hook not in RESIDUAL_HOOKS:
            raise ValueError(f"res_sae_hook {self.res_sae_hook!r} is not a residual stream hook "
                             f"(one of {', '.join(RESIDUAL_HOOKS)})")


def _say(progress: bool, msg: str) -> None:
    if progress:
        print(msg, flush=True)


def _write_corpus_docs(out: Path, corpus, doc_starts: np.ndarray, n_tokens: int) -> dict[str, dict]:
    """corpus_docs.json: which source each document (in corpus order) comes from, and each
    source's package, exact version, licence and share of the corpus's tokens."""
    import json

    names = corpus.document_sources
    lengths = np.diff(np.append(np.asarray(doc_starts, dtype=np.int64), n_tokens))
    parts: dict[str, dict] = {}
    for name in dict.fromkeys(names):
        source = SOURCES[name]
        mine = [i for i, n in enumerate(names) if n == name]
        n_tok = int(lengths[mine].sum())
        parts[name] = {"kind": source.kind, "package": source.package, "version": source_version(source),
                       "licence": source.licence, "description": source.description, "n_docs": len(mine),
                       "n_tokens": n_tok, "share_of_tokens": round(n_tok / max(1, n_tokens), 4)}
    (out / "corpus_docs.json").write_text(json.dumps({"sources": parts, "doc_source": names}))
    return parts


def build_demo(out: Path, seed: int = 0, settings: DemoSettings = DemoSettings(), progress: bool = True) -> dict:
    """Write the demo pack to `out` (replaced if it exists) and return its pack.json dict."""
    t0 = time.time()
    torch.manual_seed(seed)
    out = Path(out)
    tmp = out.with_name(out.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)

    _say(progress, "corpus + tokenizer ...")
    corpus = build_corpus(seed=seed, sources=settings.sources)
    if settings.max_documents:
        n_val = max(1, settings.max_documents // 20)
        corpus = corpus.head(settings.max_documents - n_val, n_val)
    tok = train_tokenizer(corpus.train, settings.vocab_size)
    tok.save(str(tmp / "tokenizer.json"))
    vocab = display_strings(tok)
    save_vocab(vocab, tmp / "vocab.json")
    train_stream, train_starts = encode_stream(tok, corpus.train)
    val_stream, val_starts = encode_stream(tok, corpus.validation)
    tokens = np.concatenate([train_stream, val_stream]).astype(np.int32)
    doc_starts = np.concatenate([train_starts, val_starts + len(train_stream)])
    np.save(tmp / "corpus_tokens.npy", tokens)
    corpus_parts = _write_corpus_docs(tmp, corpus, doc_starts, len(tokens))

    cfg = demo_config(tok.get_vocab_size(), seed, settings.model_slug, n_layers=settings.n_layers)
    model, trained = train_model(train_stream, val_stream, cfg, seed=seed, train_tokens=settings.train_tokens,
                                 batch=settings.train_batch, lr=settings.train_lr,
                                 progress=progress)
    _say(progress, f"validation loss {trained.validation_loss:.3f} after {trained.train_tokens} tokens")
    save_model(model, cfg, tmp / "model")

    layer = settings.feature_layer
    mlp_hook, res_hook = f"blocks.{layer}.mlp.hook_post", f"blocks.{layer}.{settings.res_sae_hook}"
    train_acts = collect_activations(model, train_stream, [mlp_hook, res_hook], n_tokens=settings.sae_tokens,
                                     seed=seed, progress=progress)
    val_acts = collect_activations(model, val_stream, [mlp_hook, res_hook], n_tokens=settings.eval_tokens,
                                   seed=seed + 1, progress=progress)
    sources = [SourceSpec(f"{layer}-mlp", "neurons", layer, mlp_hook, cfg["d_mlp"])]
    for slug, hook, width, k in ((f"{layer}-mlp-sae", mlp_hook, settings.mlp_sae_width, settings.mlp_sae_k),
                                 (f"{layer}-res-sae", res_hook, settings.res_sae_width, settings.res_sae_k)):
        sae = train_topk_sae(train_acts[hook], d_sae=width, k=k, hook_name=hook, model_name=cfg["model_name"],
                             context_size=cfg["n_ctx"], seed=seed, epochs=settings.sae_epochs, progress=progress)
        loaded = save_sae(sae, tmp / "saes" / slug)  # SAELens format, loaded back from disk
        metrics = evaluate_sae(loaded, val_acts[hook]).as_dict()
        _say(progress, f"{slug}: {metrics}")
        sources.append(SourceSpec(slug, "sae", layer, hook, width, sae=loaded, architecture="topk",
                                  weights_path=f"saes/{slug}", metrics=metrics))
    del train_acts, val_acts

    arrays = extract_features(model, tokens, doc_starts, sources, seed=seed, progress=progress)
    source_meta = write_source_files(tmp, sources, arrays, tokens, vocab)
    for s in sources:
        if s.width > N_NEIGHBORS:  # the smallest test builds have too few features to map
            write_map(tmp, s.slug, umap_coords(source_decoder(model, s).cpu().numpy(), seed=seed))
    _say(progress, "feature maps written")

    meta = {
        "name": out.name, "seed": seed, "created_by": "build_demo",
        "model": {"slug": cfg["model_name"], "name": f"Latentpedia demo {cfg['n_layers']}-layer transformer (prose and code)",
                  "n_layers": cfg["n_layers"], "d_model": cfg["d_model"], "d_vocab": cfg["d_vocab"],
                  "n_ctx": cfg["n_ctx"], "tl_name": "", "validation_loss": round(trained.validation_loss, 4),
                  "train_tokens": trained.train_tokens},
        "corpus": {"name": "+".join(corpus_parts), "n_docs": len(doc_starts), "n_tokens": int(len(tokens)),
                   "n_chars": sum(len(d) for d in corpus.documents),
                   "n_validation_docs": len(corpus.validation),
                   "description": "English prose and verse of several kinds, with Python's code documentation as "
                                  "one part; the last n_validation_docs documents are held out from training. "
                                  "Each document's source is in corpus_docs.json.",
                   "parts": corpus_parts},
        "window": 64,
        "quantile_bins": 10,
        "sources": source_meta,
    }
    return publish_pack(tmp, out, meta, t0)
