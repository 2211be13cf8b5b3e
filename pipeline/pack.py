"""Read and write packs (see PACK_FORMAT.md): the one format module shared by the pipeline, the
importer (`import_pack`) and the benchmarks."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1

# name -> (dtype, ndim); F features, R records, N non-zero values
FEATURE_ARRAYS: dict[str, tuple[str, int]] = {
    "max_activation": ("float32", 1), "frac_nonzero": ("float32", 1),
    "hist_edges": ("float32", 2), "hist_counts": ("int64", 2),
    "logit_top_ids": ("int32", 2), "logit_top_vals": ("float32", 2),
    "logit_bot_ids": ("int32", 2), "logit_bot_vals": ("float32", 2),
    "logit_std": ("float32", 1), "logit_skew": ("float32", 1), "logit_kurt": ("float32", 1),
    "neighbour_idx": ("int32", 2), "neighbour_cos": ("float32", 2),
    "rec_feature": ("int32", 1), "rec_kind": ("uint8", 1), "rec_rank": ("int32", 1), "rec_bin": ("int16", 1),
    "rec_start": ("int64", 1), "rec_length": ("int32", 1), "rec_max": ("float32", 1),
    "rec_max_pos": ("int32", 1), "rec_duplicates": ("int32", 1), "rec_held_out": ("bool", 1),
    "rec_nz_ptr": ("int64", 1), "nz_pos": ("uint16", 1), "nz_val": ("float32", 1),
}
# Arrays a pack may leave out (older packs), with what their absence means.
OPTIONAL_RECORD_ARRAYS: dict[str, str] = {"rec_unseen": "bool"}  # absent: no record is kept unseen
_PER_FEATURE = [n for n in FEATURE_ARRAYS if not n.startswith(("rec_", "nz_"))]
_PER_RECORD = [n for n in FEATURE_ARRAYS if n.startswith("rec_") and n != "rec_nz_ptr"]


class PackError(ValueError):
    """A pack on disk does not follow PACK_FORMAT.md."""


@dataclass
class SourceMeta:
    slug: str
    kind: str
    layer: int
    hook_point: str
    width: int
    architecture: str = ""
    weights_path: str = ""
    metrics: dict = field(default_factory=dict)
    features: str = ""
    explanations: str = ""
    description: str = ""


@dataclass
class PackMeta:
    path: Path
    name: str
    seed: int
    model: dict
    corpus: dict
    window: int
    sources: list[SourceMeta]
    raw: dict

    def source(self, slug: str) -> SourceMeta:
        for s in self.sources:
            if s.slug == slug:
                return s
        raise PackError(f"pack {self.name!r} has no source {slug!r} (has: {[s.slug for s in self.sources]})")


def validate_features(arrays: dict[str, np.ndarray], width: int | None = None) -> None:
    """Raise PackError unless `arrays` has every PACK_FORMAT array with consistent shapes."""
    missing = [n for n in FEATURE_ARRAYS if n not in arrays]
    if missing:
        raise PackError(f"feature arrays missing: {missing}")
    F = len(arrays["max_activation"])
    if width is not None and F != width:
        raise PackError(f"{F} features but the source's width is {width}")
    for n, (dtype, ndim) in FEATURE_ARRAYS.items():
        a = arrays[n]
        if a.ndim != ndim:
            raise PackError(f"{n}: expected {ndim} dimensions, got shape {a.shape}")
        if np.dtype(dtype).kind != a.dtype.kind:
            raise PackError(f"{n}: expected {dtype}, got {a.dtype}")
    for n in _PER_FEATURE:
        if arrays[n].shape[0] != F:
            raise PackError(f"{n}: {arrays[n].shape[0]} rows for {F} features")
    R = len(arrays["rec_feature"])
    for n in [*_PER_RECORD, *(o for o in OPTIONAL_RECORD_ARRAYS if o in arrays)]:
        if len(arrays[n]) != R:
            raise PackError(f"{n}: {len(arrays[n])} entries for {R} records")
    ptr = arrays["rec_nz_ptr"]
    if len(ptr) != R + 1 or ptr[0] != 0 or ptr[-1] != len(arrays["nz_pos"]) or np.any(np.diff(ptr) < 0):
        raise PackError("rec_nz_ptr is not a valid CSR pointer over nz_pos")
    if len(arrays["nz_val"]) != len(arrays["nz_pos"]):
        raise PackError("nz_val and nz_pos differ in length")
    if R and (arrays["rec_feature"].min() < 0 or arrays["rec_feature"].max() >= F):
        raise PackError("rec_feature points outside the feature range")


def write_features(path: Path, arrays: dict[str, np.ndarray], width: int | None = None) -> None:
    validate_features(arrays, width)
    path.parent.mkdir(parents=True, exist_ok=True)
    optional = {n: np.asarray(arrays[n], dtype=d) for n, d in OPTIONAL_RECORD_ARRAYS.items() if n in arrays}
    np.savez_compressed(path, **{n: np.asarray(arrays[n], dtype=FEATURE_ARRAYS[n][0]) for n in FEATURE_ARRAYS},
                        **optional)


def write_explanations(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        for r in rows:
            fh.write(json.dumps({"index": int(r["index"]), "text": r["text"], "author_model": r["author_model"]},
                                ensure_ascii=False) + "\n")


def write_pack_json(pack_dir: Path, meta: dict) -> None:
    meta = {"format_version": FORMAT_VERSION, **meta}
    (pack_dir / "pack.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))


def read_pack(path: str | Path) -> PackMeta:
    """pack.json of the pack at `path`, checked for the files it names."""
    path = Path(path)
    meta_path = path / "pack.json"
    if not meta_path.is_file():
        raise PackError(f"{path} is not a pack: no pack.json")
    try:
        raw = json.loads(meta_path.read_text())
    except json.JSONDecodeError as e:
        raise PackError(f"{meta_path}: invalid JSON ({e})") from e
    if raw.get("format_version") != FORMAT_VERSION:
        raise PackError(f"{meta_path}: format_version {raw.get('format_version')!r}, expected {FORMAT_VERSION}")
    for key in ("name", "model", "corpus", "sources"):
        if key not in raw:
            raise PackError(f"{meta_path}: missing {key!r}")
    known = set(SourceMeta.__dataclass_fields__)
    required = ("slug", "kind", "layer", "hook_point", "width")
    for i, s in enumerate(raw["sources"]):
        if not isinstance(s, dict):
            raise PackError(f"{meta_path}: sources[{i}] is not an object")
        missing = [k for k in required if k not in s]
        if missing:
            raise PackError(f"{meta_path}: source {s.get('slug', i)!r} is missing {missing}")
    sources = [SourceMeta(**{k: v for k, v in s.items() if k in known}) for s in raw["sources"]]
    for s in sources:
        for rel in (s.features, s.explanations):
            if rel and not (path / rel).is_file():
                raise PackError(f"source {s.slug!r}: {rel} is missing from the pack")
    return PackMeta(path=path, name=raw["name"], seed=raw.get("seed", 0), model=raw["model"],
                    corpus=raw["corpus"], window=raw.get("window", 64), sources=sources, raw=raw)


def load_features(path: str | Path, slug: str) -> dict[str, np.ndarray]:
    """Every array of features/<slug>.npz, validated."""
    meta = read_pack(path)
    src = meta.source(slug)
    with np.load(Path(path) / src.features) as z:
        arrays = {n: z[n] for n in z.files}
    validate_features(arrays, src.width)
    R = len(arrays["rec_feature"])
    for n, dtype in OPTIONAL_RECORD_ARRAYS.items():
        arrays.setdefault(n, np.zeros(R, dtype=dtype))
    return arrays


def load_explanations(path: str | Path, slug: str) -> list[dict]:
    src = read_pack(path).source(slug)
    if not src.explanations:
        return []
    rows = []
    with (Path(path) / src.explanations).open() as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise PackError(f"{src.explanations}:{n}: invalid JSON ({e})") from e
            if not isinstance(row, dict) or isinstance(row.get("index"), bool) or not isinstance(row.get("index"), int):
                raise PackError(f"{src.explanations}:{n}: expected an object with an integer \"index\"")
            rows.append(row)
    return rows


def _required_file(path: str | Path, name: str) -> Path:
    file = Path(path) / name
    if not file.is_file():
        raise PackError(f"{path}: {name} is missing from the pack")
    return file


def load_vocab(path: str | Path) -> list[str]:
    return json.loads(_required_file(path, "vocab.json").read_text())


def load_corpus_tokens(path: str | Path) -> np.ndarray:
    return np.load(_required_file(path, "corpus_tokens.npy"), mmap_mode="r")


def record_tokens(tokens: np.ndarray, arrays: dict[str, np.ndarray], r: int) -> np.ndarray:
    s = int(arrays["rec_start"][r])
    return np.asarray(tokens[s:s + int(arrays["rec_length"][r])])


def record_values(arrays: dict[str, np.ndarray], r: int) -> np.ndarray:
    """Dense activations of record r (zeros where the activation was <= 0)."""
    out = np.zeros(int(arrays["rec_length"][r]), dtype=np.float32)
    a, b = arrays["rec_nz_ptr"][r], arrays["rec_nz_ptr"][r + 1]
    out[arrays["nz_pos"][a:b]] = arrays["nz_val"][a:b]
    return out
