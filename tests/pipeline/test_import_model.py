"""import_model end to end, offline, on a tiny randomly initialised Hugging Face GPT-2.

The model goes through HookedTransformer.from_pretrained("gpt2", hf_model=...), i.e. the real GPT-2
config and weight conversion; see pipeline/import_model.py for how the hub config lookup is
answered offline.
"""

import os

import numpy as np
import pytest
import torch

from pipeline.pack import load_explanations, load_features, read_pack, record_tokens, record_values
from pipeline.records import KIND_TOP, RecordConfig

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TEXT = ("The quick brown fox jumps over the lazy dog. Return the value of the named attribute. "
        "Raise a ValueError when the argument is missing. import os, sys; from pathlib import Path.\n") * 40


def _tiny_gpt2(tmp_path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, GPT2TokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator([TEXT], trainers.BpeTrainer(
        vocab_size=300, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    hf_tok = GPT2TokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>", eos_token="<|endoftext|>",
                               unk_token="<|endoftext|>")
    # TransformerLens re-reads the tokenizer from its name_or_path (to add a BOS): a local directory
    hf_tok.save_pretrained(tmp_path / "tokenizer")
    hf_tok = GPT2TokenizerFast.from_pretrained(tmp_path / "tokenizer")
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(n_layer=2, n_embd=64, n_head=2, n_positions=64, n_ctx=64,  # as in the hub config.json
                                       vocab_size=tok.get_vocab_size()))
    model.eval()
    return model, hf_tok


def _tiny_sae_dir(tmp_path, d_in: int):
    from sae_lens.saes.sae import SAEMetadata
    from sae_lens.saes.topk_sae import TopKSAE, TopKSAEConfig

    torch.manual_seed(1)
    sae = TopKSAE(TopKSAEConfig(d_in=d_in, d_sae=96, k=8,
                                metadata=SAEMetadata(model_name="gpt2", hook_name="blocks.1.hook_resid_post")))
    sae.save_model(tmp_path / "sae")
    return tmp_path / "sae"


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    from pipeline.import_model import ImportSettings, import_model

    tmp = tmp_path_factory.mktemp("imp")
    hf_model, tok = _tiny_gpt2(tmp)
    sae_dir = _tiny_sae_dir(tmp, 64)
    docs = [TEXT[i:i + 400] for i in range(0, 4000, 400)]
    settings = ImportSettings(neuron_layers=[0], n_ctx=32, batch=8,
                              record=RecordConfig(n_top=6, n_candidates=24, n_samples=32, n_pool=12, n_random=3))
    meta = import_model("gpt2", [str(sae_dir)], docs, tmp / "tiny", settings=settings, hf_model=hf_model,
                        tokenizer=tok, progress=False)
    return tmp / "tiny", meta, hf_model, tok


def test_import_builds_a_pack_with_neurons_and_the_sae(pack):
    path, meta, _, _ = pack
    m = read_pack(path)
    assert [s.slug for s in m.sources] == ["0-mlp", "1-res-sae"]
    assert m.model["tl_name"] == "gpt2" and m.model["n_layers"] == 2 and m.model["d_model"] == 64
    neurons = load_features(path, "0-mlp")
    sae = load_features(path, "1-res-sae")
    assert neurons["max_activation"].shape == (256,)  # d_mlp = 4 * 64
    assert sae["max_activation"].shape == (96,)
    assert sae["logit_top_ids"].shape == (96, 10)
    assert len(load_explanations(path, "1-res-sae")) == 96


def test_imported_records_match_the_converted_model(pack):
    """A top record's max equals a fresh forward pass of the converted model on the same input."""
    from pipeline.features import iter_chunks
    from pipeline.import_model import load_model

    path, _, hf_model, tok = pack
    model = load_model("gpt2", hf_model=hf_model, tokenizer=tok)
    a = load_features(path, "0-mlp")
    tokens = np.load(path / "corpus_tokens.npy")
    f = int(np.argmax(a["max_activation"]))
    r = int(np.flatnonzero((a["rec_feature"] == f) & (a["rec_kind"] == KIND_TOP))[0])
    assert a["rec_max"][r] == pytest.approx(a["max_activation"][f])
    assert record_values(a, r).max() == pytest.approx(a["rec_max"][r])
    p = int(a["rec_start"][r]) + int(a["rec_max_pos"][r])
    ctx = next(c for c, ks, ke in iter_chunks(len(tokens), 32, 8) if ks <= p < ke)  # as import_model chunks
    x = torch.tensor([[tok.bos_token_id, *tokens[ctx:ctx + 32].tolist()]])
    _, cache = model.run_with_cache(x, names_filter="blocks.0.mlp.hook_post")
    assert float(cache["blocks.0.mlp.hook_post"][0, 1 + p - ctx, f]) == pytest.approx(float(a["rec_max"][r]), rel=1e-4)


def test_converted_model_matches_hugging_face_logits(pack):
    from pipeline.import_model import load_model

    _, _, hf_model, tok = pack
    model = load_model("gpt2", hf_model=hf_model, tokenizer=tok)
    ids = torch.tensor([tok("Return the value of the named attribute.")["input_ids"]])
    with torch.no_grad():
        ours = model(ids).log_softmax(-1)
        theirs = hf_model(ids).logits.log_softmax(-1)
    assert torch.allclose(ours, theirs, atol=1e-4)
