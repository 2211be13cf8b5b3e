"""Checking an uploaded SAE in SAELens's on-disk format (cfg.json + sae_weights.safetensors)
against the model it claims to read, before anything loads it.

Nothing here unpickles or even imports torch: the safetensors header is JSON that says each
tensor's dtype, shape and byte range, so a file can be refused for its shapes, dtype or layout
by reading its first bytes. Every refusal is an `UploadError` whose message says what is wrong
in the uploader's terms (which field, what it should be).
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# What the site can run (sae_lens's inference SAEs of these architectures).
ARCHITECTURES = ("standard", "topk", "jumprelu")
DTYPES = {"F32": 4, "F16": 2, "BF16": 2}
MAX_HEADER_BYTES = 1_000_000
# Widths a 2-CPU site can extract records for in reasonable time.
MAX_D_SAE = 65_536


def hook_layer(hook: str) -> int:
    try:
        return int(hook.split(".")[1])
    except (IndexError, ValueError):
        return 0


def sae_slug(hook: str, used: set[str]) -> str:
    """`<layer>-<mlp|att|res>-sae`, numbered past the names in `used`."""
    kind = "mlp" if "mlp" in hook else "att" if "attn" in hook or "hook_z" in hook else "res"
    base = f"{hook_layer(hook)}-{kind}-sae"
    slug, i = base, 2
    while slug in used:
        slug, i = f"{base}-{i}", i + 1
    return slug


class UploadError(ValueError):
    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.message, self.field = message, field


@dataclass(frozen=True)
class CheckedSae:
    architecture: str
    hook_name: str
    d_in: int
    d_sae: int
    dtype: str


def _positive_int(cfg: dict[str, Any], name: str) -> int:
    value = cfg.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise UploadError(f"cfg.json: '{name}' must be a positive integer (got {value!r}).", field="cfg")
    return value


def read_cfg(raw: bytes) -> dict[str, Any]:
    try:
        cfg = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UploadError("cfg.json is not valid JSON.", field="cfg") from None
    if not isinstance(cfg, dict):
        raise UploadError("cfg.json must hold a JSON object.", field="cfg")
    return cfg


def safetensors_header(path: Path) -> dict[str, Any]:
    """The file's tensor table {name: {dtype, shape, data_offsets}}, checked against its size."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise UploadError("The weights file is too short to be safetensors.", field="weights")
        (length,) = struct.unpack("<Q", head)
        if length <= 1 or length > MAX_HEADER_BYTES or 8 + length > size:
            raise UploadError("The weights file is not safetensors (its header length makes no sense). "
                              "Upload sae_weights.safetensors; pickled .pt files are not accepted.", field="weights")
        try:
            header = json.loads(fh.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise UploadError("The weights file's safetensors header is not valid JSON.", field="weights") from None
    if not isinstance(header, dict):
        raise UploadError("The weights file's safetensors header is not a table of tensors.", field="weights")
    header.pop("__metadata__", None)
    body = size - 8 - length
    for name, spec in header.items():
        ok = (isinstance(spec, dict) and spec.get("dtype") in DTYPES and isinstance(spec.get("shape"), list)
              and all(isinstance(d, int) and d >= 0 for d in spec["shape"])
              and isinstance(spec.get("data_offsets"), list) and len(spec["data_offsets"]) == 2)
        if not ok:
            raise UploadError(f"Tensor {name!r}: dtype must be one of {', '.join(DTYPES)} with a shape and offsets.",
                              field="weights")
        start, end = spec["data_offsets"]
        count = 1
        for d in spec["shape"]:
            count *= d
        if not (0 <= start <= end <= body) or end - start != count * DTYPES[spec["dtype"]]:
            raise UploadError(f"Tensor {name!r}: its bytes do not match its shape and dtype (a truncated file?).",
                              field="weights")
    return header


def check_sae(cfg_raw: bytes, weights: Path, *, hook_sizes: dict[str, int]) -> CheckedSae:
    """`hook_sizes`: the model's hook points an SAE may read, with their width. Refuses what
    the site could not load or run, saying why."""
    cfg = read_cfg(cfg_raw)
    architecture = cfg.get("architecture") or "standard"
    if architecture not in ARCHITECTURES:
        raise UploadError(f"cfg.json: architecture {architecture!r} is not supported; use one of "
                          f"{', '.join(ARCHITECTURES)}.", field="cfg")
    d_in, d_sae = _positive_int(cfg, "d_in"), _positive_int(cfg, "d_sae")
    if d_sae > MAX_D_SAE:
        raise UploadError(f"cfg.json: d_sae is {d_sae}; this site takes SAEs of at most {MAX_D_SAE} latents.",
                          field="cfg")
    if architecture == "topk":
        k = cfg.get("k")
        if not isinstance(k, int) or isinstance(k, bool) or not 0 < k <= d_sae:
            raise UploadError(f"cfg.json: a topk SAE needs 'k' from 1 to d_sae ({d_sae}).", field="cfg")
    metadata = cfg.get("metadata") if isinstance(cfg.get("metadata"), dict) else {}
    hook_name = metadata.get("hook_name") or cfg.get("hook_name")
    if not isinstance(hook_name, str) or hook_name not in hook_sizes:
        raise UploadError(f"cfg.json: hook point {hook_name!r} is not one of this model's: "
                          f"{', '.join(sorted(hook_sizes))}.", field="cfg")
    if hook_sizes[hook_name] != d_in:
        raise UploadError(f"cfg.json: d_in is {d_in}, but {hook_name} is {hook_sizes[hook_name]} wide.", field="cfg")
    header = safetensors_header(weights)
    expected = {"W_enc": [d_in, d_sae], "W_dec": [d_sae, d_in], "b_enc": [d_sae], "b_dec": [d_in]}
    if architecture == "jumprelu":
        expected["threshold"] = [d_sae]
    for name, shape in expected.items():
        if name not in header:
            raise UploadError(f"The weights have no {name!r} tensor (SAELens names: {', '.join(expected)}).",
                              field="weights")
        if header[name]["shape"] != shape:
            raise UploadError(f"Tensor {name!r} has shape {header[name]['shape']}; with d_in {d_in} and d_sae "
                              f"{d_sae} it must be {shape}.", field="weights")
    dtypes = {header[name]["dtype"] for name in expected}
    if len(dtypes) != 1:
        raise UploadError(f"The tensors mix dtypes ({', '.join(sorted(dtypes))}); save them in one.", field="weights")
    return CheckedSae(architecture, hook_name, d_in, d_sae, dtypes.pop())
