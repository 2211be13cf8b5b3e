"""Build a pack for a real TransformerLens model (e.g. GPT-2 small) and its SAEs.

The model goes through `HookedTransformer.from_pretrained`, i.e. the same config conversion and
weight conversion (`convert_gpt2_weights`, LayerNorm folding, centring) a hub GPT-2 goes through.
SAEs come from `SAE.from_pretrained(release, sae_id)` or a local SAELens directory
(`SAE.load_from_disk`). Neurons are the MLP hidden units (`blocks.<L>.mlp.hook_post`).

Offline use (tests, air-gapped machines): pass `hf_model` (a `transformers` model object, e.g. a
local `GPT2LMHeadModel`) and `tokenizer`. TransformerLens still looks up the *official* name's
config on the hub inside `convert_hf_model_config` (`AutoConfig.from_pretrained("gpt2")`), even
when a model object is given. `offline_hf_config` below answers that one lookup with the given
model's own config, so nothing else in the loading path is changed or skipped. TransformerLens
also re-reads the tokenizer from its `name_or_path` (to set `add_bos_token`), so the tokenizer
must come from a local directory (`save_pretrained` + `from_pretrained(dir)`); `--hf-dir DIR` on
the command line loads both the model and the tokenizer from one such directory. With network
access and no `hf_model`, it is not used and TransformerLens downloads as usual.
"""

from __future__ import annotations

import contextlib
import copy
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import torch

from .features import SourceSpec, extract_features
from .sae_upload import hook_layer, sae_slug
from .source_files import publish_pack, write_source_files
from .records import RecordConfig


@contextlib.contextmanager
def offline_hf_config(official_name: str, hf_config, architecture: str = "") -> Iterator[None]:
    """Make TransformerLens's hub config lookup of `official_name` return `hf_config`."""
    from transformer_lens import loading_from_pretrained as loading

    original = loading.AutoConfig.from_pretrained
    if not getattr(hf_config, "architectures", None):
        # a config built in memory (not read from a checkpoint) does not name its model class
        hf_config = copy.deepcopy(hf_config)
        hf_config.architectures = [architecture] if architecture else None

    def from_pretrained(name, *args, **kwargs):
        if name == official_name:
            return hf_config
        return original(name, *args, **kwargs)

    loading.AutoConfig.from_pretrained = from_pretrained
    try:
        yield
    finally:
        loading.AutoConfig.from_pretrained = original


def load_model(model_name: str, *, hf_model=None, tokenizer=None, device: str = "cpu"):
    """`HookedTransformer.from_pretrained` with the standard processing (fold LN, centre weights)."""
    from transformer_lens import HookedTransformer
    from transformer_lens import loading_from_pretrained as loading

    kwargs = dict(hf_model=hf_model, tokenizer=tokenizer, device=device)
    if hf_model is None:
        return HookedTransformer.from_pretrained(model_name, **kwargs)
    official = loading.get_official_model_name(model_name)
    with offline_hf_config(official, hf_model.config, type(hf_model).__name__):
        return HookedTransformer.from_pretrained(model_name, **kwargs)


def load_sae(spec: str, device: str = "cpu"):
    """A local SAELens directory, or "release/sae_id" / "release:sae_id" for SAE.from_pretrained."""
    from sae_lens import SAE

    if Path(spec).is_dir():
        return SAE.load_from_disk(spec, device=device)
    if ":" in spec:
        release, sae_id = spec.split(":", 1)
    elif "/" in spec:
        release, sae_id = spec.split("/", 1)
    else:
        raise ValueError(f"--sae {spec!r}: expected a SAELens directory or 'release/sae_id'")
    return SAE.from_pretrained(release, sae_id, device=device)


def read_corpus(path: Path) -> list[str]:
    """Documents from a text file (blank-line separated), a .jsonl file ({"text": ...} per line)
    or a directory of .txt files (one document each, sorted by name)."""
    import json

    path = Path(path)
    if path.is_dir():
        return [p.read_text(errors="replace").strip() for p in sorted(path.glob("*.txt")) if p.read_text().strip()]
    if not path.is_file():
        raise FileNotFoundError(f"corpus {path} does not exist")
    if path.suffix == ".jsonl":
        return [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return [d.strip() for d in path.read_text(errors="replace").split("\n\n") if d.strip()]


def tokenize_corpus(tokenizer, documents: list[str], bos_id: int, max_tokens: int | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Token stream with `bos_id` before each document, cut at `max_tokens`."""
    pieces, starts, pos = [], [], 0
    for doc in documents:
        ids = [bos_id, *tokenizer(doc, add_special_tokens=False)["input_ids"]]
        if max_tokens is not None and pos + len(ids) > max_tokens:
            ids = ids[: max(0, max_tokens - pos)]
            if len(ids) < 2:
                break
        starts.append(pos)
        pieces.append(np.asarray(ids, dtype=np.int32))
        pos += len(ids)
        if max_tokens is not None and pos >= max_tokens:
            break
    if not pieces:
        raise ValueError("the corpus is empty")
    return np.concatenate(pieces), np.asarray(starts, dtype=np.int64)


@dataclass
class ImportSettings:
    neuron_layers: list[int] = field(default_factory=list)
    n_ctx: int = 128
    max_tokens: int | None = None
    batch: int = 16
    record: RecordConfig = RecordConfig()


def import_model(
    model_name: str, sae_specs: list[str], corpus: Path | list[str], out: Path, *, seed: int = 0,
    settings: ImportSettings = ImportSettings(), hf_model=None, tokenizer=None, progress: bool = True,
    copy_sae_weights: bool = True,
) -> dict:
    """Write a pack for `model_name` + SAEs + neurons over `corpus`; returns pack.json's dict."""
    import shutil

    t0 = time.time()
    torch.manual_seed(seed)
    out = Path(out)
    model = load_model(model_name, hf_model=hf_model, tokenizer=tokenizer)
    tok = model.tokenizer
    if tok is None:
        raise ValueError("the model has no tokenizer; pass one")
    documents = read_corpus(corpus) if isinstance(corpus, (str, Path)) else corpus
    bos = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
    tokens, doc_starts = tokenize_corpus(tok, documents, bos, settings.max_tokens)

    sources: list[SourceSpec] = []
    for layer in settings.neuron_layers:
        if not 0 <= layer < model.cfg.n_layers:
            raise ValueError(f"neuron layer {layer} is outside 0..{model.cfg.n_layers - 1}")
        sources.append(SourceSpec(f"{layer}-mlp", "neurons", layer, f"blocks.{layer}.mlp.hook_post", model.cfg.d_mlp))
    used = {s.slug for s in sources}
    tmp = out.with_name(out.name + ".building")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for spec in sae_specs:
        sae = load_sae(spec)
        hook = sae.cfg.metadata.hook_name
        if not hook or hook not in model.hook_dict:
            raise ValueError(f"SAE {spec!r} reads hook {hook!r}, which {model_name} does not have")
        slug = sae_slug(hook, used)
        used.add(slug)
        weights_path = ""
        if copy_sae_weights:
            sae.save_model(tmp / "saes" / slug)
            weights_path = f"saes/{slug}"
        sources.append(SourceSpec(slug, "sae", hook_layer(hook), hook, sae.cfg.d_sae, sae=sae,
                                  architecture=sae.cfg.architecture(), weights_path=weights_path,
                                  metrics={"source": spec}))
    if not sources:
        raise ValueError("nothing to import: give --sae and/or --neurons")

    np.save(tmp / "corpus_tokens.npy", tokens.astype(np.int32))
    vocab = [tok.decode([i]) for i in range(model.cfg.d_vocab)]
    (tmp / "vocab.json").write_text(__import__("json").dumps(vocab, ensure_ascii=False))
    n_ctx = min(settings.n_ctx, model.cfg.n_ctx - 1)
    arrays = extract_features(model, tokens, doc_starts, sources, cfg=settings.record, seed=seed, n_ctx=n_ctx,
                              overlap=min(32, n_ctx // 4), batch=settings.batch, progress=progress, prepend=bos)
    source_meta = write_source_files(tmp, sources, arrays, tokens, vocab)
    cfg = model.cfg
    meta = {
        "name": out.name, "seed": seed, "created_by": "import_model",
        "model": {"slug": cfg.model_name, "name": cfg.model_name, "n_layers": cfg.n_layers, "d_model": cfg.d_model,
                  "d_vocab": cfg.d_vocab, "n_ctx": cfg.n_ctx, "tl_name": model_name, "validation_loss": None,
                  "train_tokens": 0},
        "corpus": {"name": Path(corpus).name if isinstance(corpus, (str, Path)) else "custom",
                   "n_docs": int(len(doc_starts)), "n_tokens": int(len(tokens)),
                   "description": "Each document is preceded by the tokenizer's BOS token."},
        "window": settings.record.window,
        "quantile_bins": 10,
        "sources": source_meta,
    }
    return publish_pack(tmp, out, meta, t0)
