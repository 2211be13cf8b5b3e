"""Writes a tiny pack WITH model weights (pipeline/PACK_FORMAT.md) for the inference tests:
a 1-layer HookedTransformer with random weights, a BPE tokenizer trained on a few KB of text,
one neuron source and two SAE sources (TopK and Standard) in SAELens's on-disk format.
`with_corpus=True` adds a corpus_tokens.npy (a few thousand tokens), for building sources on it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from sae_lens import StandardSAE, StandardSAEConfig, TopKSAE, TopKSAEConfig
from sae_lens.saes.sae import SAEMetadata

from pipeline.tokenizer import BOS_TOKEN, display_strings, save_vocab, train_tokenizer
from pipeline.train_model import build_model, save_model

MODEL_SLUG = "tiny-infer"
D_MODEL, D_MLP, N_CTX = 16, 32, 32
TOPK_WIDTH, STANDARD_WIDTH, TOPK_K = 64, 48, 8
N_CORPUS_DOCS = 12  # with_corpus: about 3,500 tokens

_WORDS = ("the cat sat on the mat while a dog ran to the park and the bird sang in the tree; "
          "def main(): return print('hello world') if x > 0 else None # a comment about numbers 1 2 3\n")


def corpus_documents(n_docs: int = N_CORPUS_DOCS, seed: int = 0) -> list[str]:
    """Documents of shuffled words from the tokenizer's text, of varied lengths."""
    rng = np.random.default_rng(seed)
    words = _WORDS.split(" ")
    return [" ".join(rng.choice(words, size=int(rng.integers(60, 180)))) for _ in range(n_docs)]


def write_model_pack(path: Path, *, seed: int = 0, with_corpus: bool = False) -> Path:
    torch.manual_seed(seed)
    path.mkdir(parents=True, exist_ok=True)
    tok = train_tokenizer([_WORDS * 3, _WORDS.upper(), _WORDS[::-1]] * 10, vocab_size=300)
    tok.save(str(path / "tokenizer.json"))
    save_vocab(display_strings(tok), path / "vocab.json")
    cfg = dict(n_layers=1, d_model=D_MODEL, d_mlp=D_MLP, n_heads=2, d_head=8, n_ctx=N_CTX,
               d_vocab=tok.get_vocab_size(), act_fn="relu", normalization_type="LN", model_name=MODEL_SLUG,
               seed=seed, device="cpu", default_prepend_bos=False)
    save_model(build_model(cfg), cfg, path / "model")
    hook = "blocks.0.hook_resid_post"
    topk = TopKSAE(TopKSAEConfig(d_in=D_MODEL, d_sae=TOPK_WIDTH, k=TOPK_K, metadata=SAEMetadata(hook_name=hook)))
    standard = StandardSAE(StandardSAEConfig(d_in=D_MODEL, d_sae=STANDARD_WIDTH, metadata=SAEMetadata(hook_name=hook)))
    with torch.no_grad():  # random biases, so the manual re-computation in the tests checks them
        for sae in (topk, standard):
            sae.b_enc.normal_(0, 0.3)
            sae.b_dec.normal_(0, 0.3)
    topk.save_model(path / "saes" / "0-res-topk")
    standard.save_model(path / "saes" / "0-res-std")
    sources = [
        {"slug": "0-mlp", "kind": "neurons", "layer": 0, "hook_point": "blocks.0.mlp.hook_post", "width": D_MLP,
         "architecture": "", "weights_path": ""},
        {"slug": "0-res-topk", "kind": "sae", "layer": 0, "hook_point": hook, "width": TOPK_WIDTH,
         "architecture": "topk", "weights_path": "saes/0-res-topk"},
        {"slug": "0-res-std", "kind": "sae", "layer": 0, "hook_point": hook, "width": STANDARD_WIDTH,
         "architecture": "standard", "weights_path": "saes/0-res-std"},
    ]
    meta = {"format_version": 1, "name": "tiny-infer", "seed": seed, "created_by": "tests",
            "model": {"slug": MODEL_SLUG, "name": "Tiny inference model", "n_layers": 1, "d_model": D_MODEL,
                      "d_vocab": tok.get_vocab_size(), "n_ctx": N_CTX, "tl_name": ""},
            "corpus": {"name": "none", "n_docs": 0, "n_tokens": 0}, "window": 16, "sources": sources}
    if with_corpus:
        # As the pipeline writes it: every document preceded by the BOS id.
        bos = tok.token_to_id(BOS_TOKEN)
        docs = [[bos, *tok.encode(doc, add_special_tokens=False).ids] for doc in corpus_documents(seed=seed)]
        stream = [i for doc in docs for i in doc]
        np.save(path / "corpus_tokens.npy", np.asarray(stream, dtype=np.int32))
        meta["corpus"] = {"name": "shuffled-words", "n_docs": N_CORPUS_DOCS, "n_tokens": len(stream)}
    (path / "pack.json").write_text(json.dumps(meta))
    return path


def write_topk_sae(folder: Path, *, d_in: int = D_MODEL, d_sae: int = 12, k: int = 3,
                   hook: str = "blocks.0.hook_resid_post", seed: int = 1, w_enc_std: float | None = None) -> Path:
    """A TopK SAE with random weights in SAELens's on-disk format, as a researcher would upload
    it. Nonzero biases, so any re-computation checks them too; `w_enc_std` redraws the encoder."""
    torch.manual_seed(seed)
    sae = TopKSAE(TopKSAEConfig(d_in=d_in, d_sae=d_sae, k=k, metadata=SAEMetadata(hook_name=hook)))
    with torch.no_grad():
        if w_enc_std is not None:
            sae.W_enc.normal_(0, w_enc_std)
        sae.b_enc.normal_(0, 0.3)
        sae.b_dec.normal_(0, 0.3)
    sae.save_model(folder)
    return folder
