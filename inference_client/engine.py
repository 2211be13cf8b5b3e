"""Runs a pack's model on new text and reads its features: neurons at a hook point, or an SAE's
latents on the hooked activations.

One forward pass per request, caching only the hooks the request needs and stopping after the
deepest needed block. The text is preceded by BOS as in the pipeline's corpus stream (every
document starts with it), so activations match the stored records; the BOS position itself is
not text and is left out of every answer.

An engine's model is read-only after loading, but torch modules are not safe to call from several
threads at once for our use (hooks are added and removed on the shared model), so each forward
pass holds the engine's lock.

Sources uploaded after the engine started (overlay packs, `pipeline/uploaded_source.py`) are
loaded on first use: given `find_source`, a slug the engine does not know is looked up there,
loaded once (a second lock, so two first requests load it once) and kept until
`forget_source`. `directory_finder` finds them under `<root>/<model slug>/<source slug>/`.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np
import torch

from inference_client.errors import InferenceError

DEFAULT_MAX_TOKENS = 1024
# Steering: sampled text (greedy text from a small model repeats itself), from the k likeliest
# tokens at this temperature, so a seed gives the same text every time.
STEER_TEMPERATURE = 0.8
STEER_TOP_K = 40
MAX_NEW_TOKENS = 128
_BLOCK = re.compile(r"^blocks\.(\d+)\.")
# Source slugs as the site makes them; anything else never reaches the file system.
_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")

# A source slug -> the directory of the overlay pack that holds it, or None.
SourceFinder = Callable[[str], Path | None]


def default_device() -> str:
    return os.environ.get("INFERENCE_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


class TextTokenizer(Protocol):
    bos_id: int

    def encode(self, text: str) -> list[int]: ...

    def display(self, token_id: int) -> str: ...

    def decode(self, ids: list[int]) -> str: ...


class PackTokenizer:
    """A demo pack's `tokenizer.json` (HF `tokenizers`), BOS as the pipeline defines it."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        from pipeline.tokenizer import BOS_ID, BOS_TOKEN

        self._tok = Tokenizer.from_file(str(path))
        bos = self._tok.token_to_id(BOS_TOKEN)
        self.bos_id = BOS_ID if bos is None else bos

    def encode(self, text: str) -> list[int]:
        return self._tok.encode(text, add_special_tokens=False).ids

    def display(self, token_id: int) -> str:
        return self._tok.decode([token_id], skip_special_tokens=False)

    def decode(self, ids: list[int]) -> str:
        return self._tok.decode(ids)


class HFTokenizer:
    """A real model's Hugging Face tokenizer, as TransformerLens loaded it."""

    def __init__(self, tokenizer: Any) -> None:
        self._tok = tokenizer
        self.bos_id = tokenizer.bos_token_id

    def encode(self, text: str) -> list[int]:
        return list(self._tok.encode(text, add_special_tokens=False))

    def display(self, token_id: int) -> str:
        return self._tok.decode([token_id])

    def decode(self, ids: list[int]) -> str:
        return self._tok.decode(ids)


@dataclass(frozen=True)
class FeatureSource:
    slug: str
    kind: str  # "neurons" or "sae"
    hook_point: str
    width: int
    sae: Any = None  # sae_lens.SAE for kind "sae"

    def features(self, hooked: torch.Tensor) -> torch.Tensor:
        """[T, ...] hooked activations -> [T, F] feature activations."""
        if self.sae is None:
            return hooked.reshape(hooked.shape[0], -1)
        return self.sae.encode(hooked)


class InferenceEngine:
    def __init__(
        self, *, model: Any, tokenizer: TextTokenizer, sources: list[FeatureSource], model_slug: str,
        model_name: str = "", vocab: list[str] | None = None, max_tokens: int = DEFAULT_MAX_TOKENS,
        device: str = "cpu", find_source: SourceFinder | None = None,
    ) -> None:
        self.model, self.tokenizer = model, tokenizer
        # Replaced, never changed in place, when a source is added or dropped: a request
        # iterating over the sources while another loads one sees the old dict, whole.
        self.sources = {s.slug: s for s in sources}
        self.model_slug, self.model_name = model_slug, model_name or model_slug
        self.vocab, self.device = vocab, device
        # Positional embeddings end at n_ctx, and BOS takes one position.
        self.max_tokens = min(max_tokens, int(model.cfg.n_ctx) - 1)
        self.find_source = find_source
        self._lock = threading.Lock()
        self._loading = threading.Lock()  # one lazy load at a time, apart from forward passes
        self._lazy: set[str] = set()

    # ---- loading --------------------------------------------------------------------------
    @classmethod
    def from_pack(cls, path: str | Path, *, device: str | None = None, max_tokens: int | None = None,
                  find_source: SourceFinder | None = None) -> InferenceEngine:
        """Load a pack's model, tokenizer and every source (pipeline/PACK_FORMAT.md);
        `find_source` lets it load sources published later (see `load_source`)."""
        from pipeline.pack import PackError, read_pack

        path = Path(path)
        try:
            meta = read_pack(path)
        except PackError as exc:
            raise InferenceError(f"Cannot read the pack at {path}: {exc}", status=503) from None
        device = device or default_device()
        if max_tokens is None:
            max_tokens = int(os.environ.get("INFERENCE_MAX_TOKENS") or DEFAULT_MAX_TOKENS)
        model_meta = meta.model
        model, tokenizer = load_pack_model(path, model_meta, device)
        sources = []
        for spec in meta.sources:
            sae = None
            if spec.kind == "sae":
                sae = load_sae(path / spec.weights_path, device)
            width = int(sae.cfg.d_sae) if sae is not None else int(spec.width)
            sources.append(FeatureSource(spec.slug, spec.kind, spec.hook_point, width, sae))
        vocab_file = path / "vocab.json"
        vocab = json.loads(vocab_file.read_text()) if vocab_file.exists() else None
        return cls(
            model=model, tokenizer=tokenizer, sources=sources, model_slug=model_meta["slug"],
            model_name=model_meta.get("name", ""), vocab=vocab, max_tokens=max_tokens, device=device,
            find_source=find_source,
        )

    # ---- sources published after start-up -------------------------------------------------
    def load_source(self, slug: str) -> FeatureSource | None:
        """The source `slug`, loaded from the overlay pack `find_source` names if it is not
        loaded yet; None when there is no such pack. Raises InferenceError (503) when the pack
        is there but cannot serve this model."""
        found = self.sources.get(slug)
        if found is not None or self.find_source is None:
            return found
        with self._loading:
            found = self.sources.get(slug)  # another request may have loaded it while we waited
            if found is not None:
                return found
            directory = self.find_source(slug)
            if directory is None:
                return None
            source = self._read_overlay(Path(directory), slug)
            self.sources = {**self.sources, slug: source}
            self._lazy.add(slug)
            return source

    def forget_source(self, slug: str) -> bool:
        """Drop a source that was loaded on first use (its pack was unpublished); True if it was
        loaded. Remove the overlay directory first, or the next request loads it again. The
        pack's own sources cannot be forgotten: asking is an InferenceError (409)."""
        with self._loading:
            if slug in self._lazy:
                self._lazy.discard(slug)
                self.sources = {k: v for k, v in self.sources.items() if k != slug}
                return True
            if slug in self.sources:
                raise InferenceError(f"Source {slug} is part of model {self.model_slug}'s pack; it cannot be "
                                     "forgotten.", status=409, field="source")
            return False

    def _read_overlay(self, directory: Path, slug: str) -> FeatureSource:
        from pipeline.pack import PackError, read_pack

        def refuse(why: str) -> InferenceError:
            return InferenceError(f"Source {slug} cannot be loaded from {directory}: {why}", status=503)

        try:
            meta = read_pack(directory)
            spec = meta.source(slug)
        except PackError as exc:
            raise refuse(str(exc)) from None
        if meta.model.get("slug") != self.model_slug:
            raise refuse(f"it is for model {meta.model.get('slug')!r}, not {self.model_slug}.")
        if spec.kind != "sae" or not spec.weights_path:
            raise refuse(f"only SAE sources with weights load on demand (kind {spec.kind!r}).")
        weights = (directory / spec.weights_path).resolve()
        if not weights.is_relative_to(directory.resolve()):
            raise refuse(f"weights_path {spec.weights_path!r} leaves the pack.")
        try:
            sae = load_sae(weights, self.device)
        except Exception as exc:  # noqa: BLE001 (SAELens and safetensors raise many kinds for a bad file)
            raise refuse(f"its SAE does not load ({exc.__class__.__name__}: {exc}).") from None
        hook = sae.cfg.metadata.hook_name
        if hook != spec.hook_point:
            raise refuse(f"its SAE reads {hook!r}, but pack.json says {spec.hook_point!r}.")
        with self._lock:  # a forward pass: the model is shared with requests
            width = hook_width(self.model, hook)
        if width is None:
            raise refuse(f"model {self.model_slug} has no hook point {hook!r}.")
        if width != int(sae.cfg.d_in) or int(sae.cfg.d_sae) != int(spec.width):
            raise refuse(f"widths disagree (hook {width}, SAE d_in {sae.cfg.d_in}, d_sae {sae.cfg.d_sae}, "
                         f"pack.json width {spec.width}).")
        return FeatureSource(slug, "sae", hook, int(sae.cfg.d_sae), sae)

    def describe(self) -> dict[str, Any]:
        """The model and the sources loaded so far (those loaded on demand once first asked for)."""
        return {
            "model": self.model_slug, "name": self.model_name, "device": self.device, "max_tokens": self.max_tokens,
            "sources": [{"slug": s.slug, "kind": s.kind, "hook_point": s.hook_point, "width": s.width}
                        for s in self.sources.values()],
        }

    # ---- forward pass ---------------------------------------------------------------------
    def tokenize(self, text: str) -> list[int]:
        """Token ids of the text, without BOS; refuses empty or over-long text."""
        if not text.strip():
            raise InferenceError("The text is empty; type something to test.", field="text")
        ids = self.tokenizer.encode(text)
        if len(ids) > self.max_tokens:
            raise InferenceError(
                f"The text is {len(ids)} tokens long; this model reads at most {self.max_tokens} tokens.", field="text"
            )
        return ids

    def display(self, ids: list[int]) -> list[str]:
        vocab = self.vocab
        return [vocab[i] if vocab is not None and i < len(vocab) else self.tokenizer.display(i) for i in ids]

    def source(self, slug: str, *, field: str = "source") -> FeatureSource:
        found = self.load_source(slug)
        if found is None:
            raise InferenceError(
                f"Model {self.model_slug} has no source {slug!r}; it has {', '.join(self.sources)}.",
                status=404, field=field,
            )
        return found

    def _run(self, text: str, slugs: list[str], field: str = "sources") -> tuple[list[str], dict[str, torch.Tensor]]:
        """Text tokens, and each source's [T, F] activations on the device (BOS row dropped)."""
        sources = [self.source(s, field=field) for s in slugs]
        ids = self.tokenize(text)
        hooks = {s.hook_point for s in sources}
        layers = [_BLOCK.match(h) for h in hooks]
        stop = None if not all(layers) else max(int(m.group(1)) for m in layers) + 1
        x = torch.tensor([[self.tokenizer.bos_id, *ids]], dtype=torch.long, device=self.device)
        out: dict[str, torch.Tensor] = {}
        with self._lock, torch.no_grad():
            _, cache = self.model.run_with_cache(x, names_filter=lambda name: name in hooks, stop_at_layer=stop)
            for s in sources:
                out[s.slug] = s.features(cache[s.hook_point][0].float())[1:]
        return self.display(ids), out

    def activations(self, text: str, source_slugs: list[str] | None = None) -> tuple[list[str], dict[str, np.ndarray]]:
        """(tokens, {slug: float32[T, F]}) for the text's tokens, BOS excluded."""
        tokens, acts = self._run(text, list(source_slugs) if source_slugs else list(self.sources))
        return tokens, {k: v.cpu().numpy() for k, v in acts.items()}

    def feature(self, source: str, index: int) -> FeatureSource:
        """The source of feature `index`, once the index is known to be in its range."""
        spec = self.source(source)
        if not 0 <= index < spec.width:
            raise InferenceError(
                f"Source {source} has features 0 to {spec.width - 1}; there is no feature {index}.",
                status=404, field="index",
            )
        return spec

    # ---- the questions the site asks ------------------------------------------------------
    def feature_activation(self, text: str, source: str, index: int) -> dict[str, Any]:
        """One feature on the text: {tokens, values, max_value}."""
        self.feature(source, index)
        tokens, acts = self._run(text, [source], field="source")
        values = acts[source][:, index].cpu().numpy()
        return {"tokens": tokens, "values": _rounded(values), "max_value": _round(values.max())}

    def search_all(
        self, text: str, sources: list[str] | None = None, sort_by_token_indexes: list[int] | None = None,
        num_results: int = 25,
    ) -> dict[str, Any]:
        """The features that fire most on the text, across sources: by max activation, or by the
        sum over `sort_by_token_indexes` when given. Features with a score of 0 or less are left
        out: they did not fire. {tokens, results: [{source, index, max_value, values}]}

        `sources` None: every source loaded so far, i.e. the pack's and the uploaded ones asked
        for since start-up, not every overlay on disk (name them to include them)."""
        slugs = list(dict.fromkeys(sources)) if sources else list(self.sources)  # each source once
        tokens, acts = self._run(text, slugs)
        positions = sorted(set(sort_by_token_indexes or []))
        if positions and positions[-1] >= len(tokens):
            raise InferenceError(
                f"Token position {positions[-1]} is past the end of the text, which has {len(tokens)} tokens "
                f"(positions 0 to {len(tokens) - 1}).", field="sort_by_token_indexes",
            )
        if positions and positions[0] < 0:
            raise InferenceError("Token positions start at 0.", field="sort_by_token_indexes")
        scores = [a[positions].sum(dim=0) if positions else a.max(dim=0).values for a in acts.values()]
        flat = torch.cat(scores)
        top = torch.topk(flat, min(num_results, flat.numel()))
        keep = top.values > 0
        picked = top.indices[keep]
        # Which source each flat index falls in: offsets are the sources' first flat index.
        widths = torch.tensor([a.shape[1] for a in acts.values()], device=flat.device)
        ends = torch.cumsum(widths, 0)
        which = torch.bucketize(picked, ends, right=True)
        local = picked - (ends - widths)[which]
        columns = torch.stack([acts[slugs[w]][:, i] for w, i in zip(which.tolist(), local.tolist())], dim=1) \
            if len(picked) else torch.zeros((len(tokens), 0))
        columns = columns.T.cpu().numpy()
        results = [
            {"source": slugs[w], "index": i, "max_value": _round(col.max()), "values": _rounded(col)}
            for w, i, col in zip(which.tolist(), local.tolist(), columns)
        ]
        return {"tokens": tokens, "results": results}


    def steer(self, prompt: str, source: str, index: int, strength: float, *, seed: int = 0,
              max_new_tokens: int = 32) -> dict[str, Any]:
        """The prompt continued twice from the same seed: as the model would (`default`), and
        with the feature pushed by `strength` at every position (`steered`).

        Pushing adds `strength` times the feature's decoder direction (an SAE latent) to the
        activations at the source's hook point, or `strength` to the neuron's own activation:
        either way the feature's output grows as if it fired `strength` harder. Both texts are
        sampled with their own generator seeded alike, so at strength 0 they are the same text,
        and any difference comes from the feature. {default, steered, default_tokens,
        steered_tokens, prompt_tokens}: the texts are the continuations, without the prompt."""
        spec = self.feature(source, index)
        most = min(MAX_NEW_TOKENS, self.max_tokens - 1)  # and at least one token of prompt
        if not 1 <= max_new_tokens <= most:
            raise InferenceError(f"'max_new_tokens' is from 1 to {most} for this model.", field="max_new_tokens")
        if not np.isfinite(strength):
            raise InferenceError("'strength' must be a finite number.", field="strength")
        if not prompt.strip():
            raise InferenceError("The prompt is empty; type the start of a text.", field="prompt")
        ids = self.tokenizer.encode(prompt)
        room = self.max_tokens - max_new_tokens
        if len(ids) > room:
            raise InferenceError(
                f"The prompt is {len(ids)} tokens long; with {max_new_tokens} new tokens this model takes "
                f"a prompt of at most {room} tokens.", field="prompt",
            )
        push = self._push(spec, index, float(strength))
        with self._lock, torch.no_grad():
            default, steered = self._sample_pair(ids, push, spec.hook_point, seed, max_new_tokens)
        return {
            "default": self.tokenizer.decode(default), "steered": self.tokenizer.decode(steered),
            "default_tokens": self.display(default), "steered_tokens": self.display(steered),
            "prompt_tokens": self.display(ids),
        }

    def _push(self, spec: FeatureSource, index: int, strength: float) -> torch.Tensor:
        """What to add to one position's hooked activations (flattened past the position axis)."""
        if spec.sae is not None:
            return strength * spec.sae.W_dec[index].detach().float().reshape(-1)
        push = torch.zeros(spec.width, device=self.device)
        push[index] = strength
        return push

    def _sample_pair(self, ids: list[int], push: torch.Tensor, hook_point: str, seed: int,
                     steps: int) -> tuple[list[int], list[int]]:
        """Rows 0 (unsteered) and 1 (steered) in one batch; each row draws from its own generator."""
        x = torch.tensor([[self.tokenizer.bos_id, *ids]] * 2, dtype=torch.long, device=self.device)

        def add(acts: torch.Tensor, hook: Any) -> torch.Tensor:
            flat = acts.reshape(acts.shape[0], acts.shape[1], -1)
            flat[1] += push.to(flat.dtype)
            return flat.reshape(acts.shape)

        generators = []
        for _ in range(2):
            g = torch.Generator(device=self.device)
            g.manual_seed(int(seed))
            generators.append(g)
        # Keys and values of the positions already read are kept: each step reads one new token
        # (the push, added at every position, reaches it through the hook as it did the prompt).
        kv = _kv_cache(self.model.cfg, self.device, batch_size=2)
        step_in, new = x, []
        for _ in range(steps):
            # No padding anywhere: every position is attended (given, as the model may have no tokenizer).
            logits = self.model.run_with_hooks(step_in, fwd_hooks=[(hook_point, add)], past_kv_cache=kv,
                                               attention_mask=torch.ones_like(step_in))[:, -1, :]
            top = torch.topk(logits.float() / STEER_TEMPERATURE, min(STEER_TOP_K, logits.shape[-1]))
            probs = torch.softmax(top.values, dim=-1)
            step_in = torch.stack([
                top.indices[r, torch.multinomial(probs[r], 1, generator=generators[r])] for r in range(2)
            ])
            new.append(step_in)
        rows = torch.cat(new, dim=1).tolist()
        return rows[0], rows[1]


def _kv_cache(cfg: Any, device: str, *, batch_size: int) -> Any:
    from transformer_lens.cache.key_value_cache import TransformerLensKeyValueCache

    return TransformerLensKeyValueCache.init_cache(cfg, device, batch_size)


def _round(value: float) -> float:
    return round(float(value), 4)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(v, 4) for v in values.astype(float).tolist()]


def load_sae(directory: Path, device: str) -> Any:
    """An SAE in SAELens's on-disk format, in float32 and eval mode, as every source is run."""
    from sae_lens import SAE

    sae = SAE.load_from_disk(str(directory), device=device, dtype="float32")
    sae.eval()
    return sae


@torch.no_grad()
def hook_width(model: Any, hook_point: str) -> int | None:
    """How many numbers the hook holds per position (heads flattened), or None if the model has
    no such hook: one forward pass over a single token, stopped after the hook's block."""
    if hook_point not in model.hook_dict:
        return None
    block = _BLOCK.match(hook_point)
    stop = int(block.group(1)) + 1 if block else None
    x = torch.zeros((1, 1), dtype=torch.long, device=model.cfg.device)
    _, cache = model.run_with_cache(x, names_filter=lambda name: name == hook_point, stop_at_layer=stop)
    return int(cache[hook_point][0, 0].numel())


def directory_finder(root: Path, model_slug: str) -> SourceFinder:
    """`find_source` for overlay packs laid out as `<root>/<model_slug>/<slug>/pack.json`. Only
    plain slugs ([a-z0-9-]+) are looked up, so a request cannot name a path outside `root`."""
    base = Path(root) / model_slug

    def find(slug: str) -> Path | None:
        if not _PLAIN_SLUG.fullmatch(slug):
            return None
        directory = base / slug
        return directory if (directory / "pack.json").is_file() else None

    return find


def load_pack_model(path: Path, model_meta: dict[str, Any], device: str) -> tuple[Any, TextTokenizer]:
    """The pack's model in eval mode and its tokenizer: a demo pack's own weights and
    tokenizer.json, or a real model (`tl_name`) through TransformerLens's loader."""
    from transformer_lens import HookedTransformer, HookedTransformerConfig

    tl_name = model_meta.get("tl_name") or ""
    if tl_name:
        # A real model: weights come from TransformerLens's own loader (the Hugging Face cache).
        model = HookedTransformer.from_pretrained(tl_name, device=device, dtype="float32")
        model.eval()
        return model, HFTokenizer(model.tokenizer)
    from safetensors.torch import load_file

    cfg = json.loads((path / "model" / "cfg.json").read_text())
    cfg["device"] = device
    cfg.pop("seed", None)  # would reseed torch's global RNG in the serving process
    cfg.pop("dtype", None)  # float32, the config's default: the loaded weights are copied into it
    model = HookedTransformer(HookedTransformerConfig(**cfg))
    model.load_state_dict(load_file(str(path / "model" / "model.safetensors"), device=device))
    model.eval()
    return model, PackTokenizer(path / "tokenizer.json")
