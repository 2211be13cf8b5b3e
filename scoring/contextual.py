"""Token vectors in context, from the same sentence-embedding model as the rest of scoring.

A feature rarely fires on a token alone: it fires on "an" before a vowel, on the N that
starts a capitalised word, on a newline that ends a paragraph. Embedding a token's string
by itself cannot tell those apart; the transformer's own hidden state for the token, read
while it encodes the whole record, can. One forward pass per record gives every token's
vector, so a score costs a few record passes, not one pass per token.

Model tokens and the embedder's word pieces do not line up: a model token's vector is the
mean of the word pieces that overlap its characters; a whitespace-only token (newline,
indentation) takes the vector of the piece that follows it, which is what it introduces.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from scoring.base import PermanentScoringError
from scoring.embedder import local_model_path
from scoring.lexical import STOPWORDS

MAX_PIECES = 256
# What "auto" runs (see the README's scoring figures for how it was chosen).
AUTO_PRECISION = "int8"
# Sequences per forward pass, grouped by length (measured best on 2 CPUs among 1, 2, 4 and all).
BATCH = 4


class Explained(NamedTuple):
    """An explanation read by the model, every vector unit length."""

    whole: np.ndarray  # mean of its word pieces
    content: np.ndarray  # [n, D]: its content pieces (no stopwords or punctuation: they say how, not what)
    sentence: np.ndarray  # the model's sentence embedding, comparable with `Embedder` vectors


# precision -> the runtimes that run it, the default first
RUNTIMES: dict[str, tuple[str, ...]] = {"float32": ("onnx", "torch"), "int8": ("onnx",), "bfloat16": ("torch",)}
PRECISIONS = ("auto", *RUNTIMES)


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo cannot be read)."""
    try:
        with open(cpuinfo, encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def cpu_has_fast_bfloat16(cpuinfo: str = "/proc/cpuinfo") -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX-512 BF16 or AMX); elsewhere torch
    emulates it, several times slower than float32."""
    return bool(cpu_flags(cpuinfo) & {"avx512_bf16", "amx_bf16"})


def resolve_precision(precision: str) -> str:
    if precision not in PRECISIONS:
        raise ValueError(f"encoder precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision == "auto":
        return AUTO_PRECISION
    return precision


def default_cache_dir() -> Path:
    """Where built encoder graphs are kept: SCORING_ENCODER_CACHE, else a folder per user in
    the system's temporary directory (benchmarks and scripts outside Django)."""
    from django.conf import settings

    if settings.configured and getattr(settings, "SCORING_ENCODER_CACHE", None):
        return Path(settings.SCORING_ENCODER_CACHE)
    return Path(tempfile.gettempdir()) / f"latentpedia-encoder-{os.getuid() if hasattr(os, 'getuid') else 0}"


class ContextualEncoder:
    """Contextual token vectors for records and piece vectors for explanations (unit length).

    `precision` picks how the model runs: "float32" and "int8" as a fused ONNX Runtime graph
    built from the installed model (`scoring/onnx_encoder.py`), "bfloat16" in PyTorch under
    autocast (fast only where the CPU has it natively); "auto" is the scorer's default.
    `runtime="torch"` runs float32 in PyTorch's eager model instead (the reference the ONNX
    graph is checked against). `batch` sequences of similar length run in one forward pass.
    """

    def __init__(self, model_path: str | None = None, precision: str = "auto", batch: int = BATCH,
                 runtime: str | None = None, cache_dir: Path | None = None) -> None:
        self._model_path = model_path
        self.precision = resolve_precision(precision)
        runtime = runtime or RUNTIMES[self.precision][0]
        if runtime not in RUNTIMES[self.precision]:
            runs = ", ".join(f"{p} on {' or '.join(r)}" for p, r in RUNTIMES.items())
            raise ValueError(f"precision {self.precision} does not run on {runtime!r}: {runs}")
        self.runtime = runtime
        self.batch = batch
        self._cache_dir = cache_dir
        self._tokenizer = None
        self._model = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Load the model now rather than at the first score."""
        self._load()

    def _load(self):
        if self._model is None:
            from transformers import AutoTokenizer

            path = local_model_path(self._model_path)
            self._tokenizer = AutoTokenizer.from_pretrained(path)
            if self.runtime == "onnx":
                from scoring.onnx_encoder import OnnxEncoderModel, model_file

                cache = self._cache_dir or default_cache_dir()
                self._model = OnnxEncoderModel(model_file(path, self.precision, cache))
            else:
                from transformers import AutoModel

                self._model = _TorchModel(AutoModel.from_pretrained(path).eval(), self.precision == "bfloat16")
        return self._tokenizer, self._model

    def _hidden(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Last hidden states [B, P, D], character offsets [B, P, 2], the attention mask [B, P]
        and the piece ids [B, P]."""
        tokenizer, model = self._load()
        enc = tokenizer(
            list(texts), return_offsets_mapping=True, padding=True, truncation=True,
            max_length=MAX_PIECES, return_tensors="np",
        )
        offsets = enc.pop("offset_mapping")
        mask = enc["attention_mask"]
        lengths = mask.sum(axis=1)
        hidden: np.ndarray | None = None
        # Records differ in length (code documentation by 2-3x) and explanations are short:
        # padded to the longest sequence, a score spent a sixth of its time on padding.
        # Sequences of similar length run together, each batch padded only to its own longest.
        order = np.argsort(lengths, kind="stable").tolist()
        with self._lock:
            for start in range(0, len(order), self.batch):
                rows = order[start : start + self.batch]
                width = int(lengths[rows].max())
                out = model({k: v[rows, :width] for k, v in enc.items()})
                if hidden is None:
                    hidden = np.zeros((*mask.shape, out.shape[-1]), dtype=np.float32)
                hidden[rows, :width] = out
        return hidden, offsets, mask, enc["input_ids"]

    def records(self, records: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """For each record (a list of token strings), float32[len(record), D] unit vectors."""
        return self.encode(records, [])[0]

    def explanation(self, text: str) -> Explained:
        return self.encode([], [text])[1][0]

    def encode(
        self, records: Sequence[Sequence[str]], texts: Sequence[str]
    ) -> tuple[list[np.ndarray], list[Explained]]:
        """Records and explanation texts in one forward pass (a score needs both; on a CPU one
        batch costs less than two, padding included)."""
        tokenizer, _ = self._load()
        hidden, offsets, mask, ids = self._hidden([*("".join(tokens) for tokens in records), *texts])
        vecs = [_align(tokens, hidden[k], offsets[k], mask[k]) for k, tokens in enumerate(records)]
        explained = []
        for k in range(len(records), len(records) + len(texts)):
            real = mask[k].astype(bool)
            h = hidden[k][real]
            pieces = tokenizer.convert_ids_to_tokens(ids[k][real].tolist())
            inner = h[1:-1] if h.shape[0] > 2 else h
            whole = _unit(inner.mean(axis=0, keepdims=True))[0]
            # Mean over every position, [CLS] and [SEP] included, is exactly the model's
            # sentence embedding (mean pooling, then unit length): no second pass needed.
            sentence = _unit(h.mean(axis=0, keepdims=True))[0]
            keep = [
                i for i, p in enumerate(pieces)
                if 0 < i < len(pieces) - 1 and p.lstrip("#").lower() not in STOPWORDS and any(c.isalnum() for c in p)
            ]
            explained.append(Explained(whole, _unit(h[keep]) if keep else _unit(inner), sentence))
        return vecs, explained


def _unit(v: np.ndarray) -> np.ndarray:
    return (v / (np.linalg.norm(v, axis=-1, keepdims=True) + 1e-8)).astype(np.float32)


def _align(tokens: Sequence[str], hidden: np.ndarray, offsets: np.ndarray, mask: np.ndarray) -> np.ndarray:
    ends = np.cumsum([len(t) for t in tokens])
    starts = ends - np.array([len(t) for t in tokens])
    real = (offsets[:, 1] > offsets[:, 0]) & mask.astype(bool)
    ws, we = offsets[real, 0], offsets[real, 1]
    h = hidden[real]
    if h.shape[0] == 0:
        return np.zeros((len(tokens), hidden.shape[1]), dtype=np.float32)
    overlap = (ws[None, :] < ends[:, None]) & (we[None, :] > starts[:, None])
    counts = overlap.sum(axis=1)
    vecs = (overlap.astype(np.float32) @ h) / np.maximum(counts, 1)[:, None]
    # Tokens with no piece (whitespace, or cut off by truncation) take the next piece, else the last.
    for i in np.flatnonzero(counts == 0):
        nxt = np.flatnonzero(ws >= ends[i])
        vecs[i] = h[nxt[0]] if nxt.size else h[-1]
    return _unit(vecs)


class _TorchModel:
    """The eager PyTorch model, optionally under bfloat16 autocast."""

    def __init__(self, model, bfloat16: bool) -> None:
        self._model = model
        self._bfloat16 = bfloat16

    def __call__(self, batch: dict[str, np.ndarray]) -> np.ndarray:
        import torch

        half = torch.autocast("cpu", dtype=torch.bfloat16, enabled=self._bfloat16)
        with torch.inference_mode(), half:
            out = self._model(**{k: torch.from_numpy(v) for k, v in batch.items()}).last_hidden_state
        return out.float().numpy()


_DEFAULT: ContextualEncoder | None = None


def default_encoder() -> ContextualEncoder:
    """One encoder per process, at the precision the settings ask for (SCORING_ENCODER_PRECISION)."""
    global _DEFAULT
    if _DEFAULT is None:
        from django.conf import settings

        precision = getattr(settings, "SCORING_ENCODER_PRECISION", "auto") if settings.configured else "auto"
        try:
            _DEFAULT = ContextualEncoder(precision=precision)
        except ValueError as exc:  # a misconfigured host: every score would fail the same way
            raise PermanentScoringError(f"SCORING_ENCODER_PRECISION: {exc}") from exc
    return _DEFAULT
