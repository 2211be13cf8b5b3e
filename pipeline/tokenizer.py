"""Byte-level BPE tokenizer for the demo model, and the corpus token stream.

The stream is what the model trains on and what records point into: every document is preceded
by the single special token ``<|endoftext|>`` (id 0), which serves as both BOS and EOS.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

BOS_TOKEN = "<|endoftext|>"
BOS_ID = 0


def train_tokenizer(documents: list[str], vocab_size: int = 4096) -> Tokenizer:
    """Train a byte-level BPE. `tokenizers`' BPE trainer is deterministic for a fixed input order."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[BOS_TOKEN],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(documents, trainer=trainer, length=len(documents))
    assert tok.token_to_id(BOS_TOKEN) == BOS_ID
    return tok


def display_strings(tok: Tokenizer) -> list[str]:
    """Each id's decoded text (" the", "\\n"); partial UTF-8 bytes show as U+FFFD."""
    out = []
    for i in range(tok.get_vocab_size()):
        if i == BOS_ID:
            out.append(BOS_TOKEN)
        else:
            out.append(tok.decode([i], skip_special_tokens=False))
    return out


def encode_stream(tok: Tokenizer, documents: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token stream (int32) with BOS before each document, and each document's BOS offset."""
    encs = tok.encode_batch(documents, add_special_tokens=False)
    pieces, starts, pos = [], [], 0
    for enc in encs:
        ids = np.asarray([BOS_ID, *enc.ids], dtype=np.int32)
        starts.append(pos)
        pieces.append(ids)
        pos += len(ids)
    stream = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    return stream, np.asarray(starts, dtype=np.int64)


def save_vocab(strings: list[str], path: Path) -> None:
    path.write_text(json.dumps(strings, ensure_ascii=False))
