"""Checking an uploaded SAELens SAE before anything loads it: a good one (saved by sae_lens
itself) passes; each malformed one is refused with a reason that names what is wrong."""

from __future__ import annotations

import json
import shutil
import struct
from pathlib import Path

import pytest

from pipeline.sae_upload import UploadError, check_sae, safetensors_header

DEMO_SAE = Path(__file__).resolve().parents[2] / "packs" / "demo" / "saes" / "1-res-sae"
HOOKS = {"blocks.1.hook_resid_mid": 128, "blocks.1.mlp.hook_post": 512}

pytestmark = pytest.mark.skipif(not (DEMO_SAE / "cfg.json").exists(), reason="packs/demo is not built")


@pytest.fixture
def upload(tmp_path) -> Path:
    target = tmp_path / "sae"
    shutil.copytree(DEMO_SAE, target)
    return target


def cfg_of(folder: Path, **changes) -> bytes:
    cfg = json.loads((folder / "cfg.json").read_text())
    cfg.update(changes)
    return json.dumps(cfg).encode()


def test_an_sae_saved_by_sae_lens_passes(upload: Path) -> None:
    checked = check_sae((upload / "cfg.json").read_bytes(), upload / "sae_weights.safetensors", hook_sizes=HOOKS)
    assert (checked.architecture, checked.hook_name, checked.d_in, checked.d_sae, checked.dtype) == (
        "topk", "blocks.1.hook_resid_mid", 128, 1024, "F32")


@pytest.mark.parametrize(("changes", "message"), [
    ({"architecture": "gated-magic"}, "architecture 'gated-magic' is not supported"),
    ({"d_in": 0}, "'d_in' must be a positive integer"),
    ({"d_sae": "big"}, "'d_sae' must be a positive integer"),
    ({"d_sae": 10**6}, "at most 65536 latents"),
    ({"k": 0}, "needs 'k' from 1 to d_sae"),
    ({"metadata": {"hook_name": "blocks.9.hook_resid_post"}}, "hook point 'blocks.9.hook_resid_post' is not one of"),
    ({"metadata": {"hook_name": "blocks.1.mlp.hook_post"}}, "d_in is 128, but blocks.1.mlp.hook_post is 512 wide"),
    ({"d_sae": 2048}, "Tensor 'W_enc' has shape [128, 1024]; with d_in 128 and d_sae 2048 it must be [128, 2048]"),
    ({"architecture": "jumprelu"}, "no 'threshold' tensor"),
])
def test_a_config_that_does_not_fit_is_refused_with_the_reason(upload: Path, changes, message: str) -> None:
    with pytest.raises(UploadError, match=message.replace("[", r"\[").replace("]", r"\]")):
        check_sae(cfg_of(upload, **changes), upload / "sae_weights.safetensors", hook_sizes=HOOKS)


def test_a_config_that_is_not_json_is_refused(upload: Path) -> None:
    with pytest.raises(UploadError, match="not valid JSON") as caught:
        check_sae(b"{not json", upload / "sae_weights.safetensors", hook_sizes=HOOKS)
    assert caught.value.field == "cfg"


def test_a_pickled_file_is_refused_without_being_loaded(upload: Path, tmp_path) -> None:
    import pickle

    evil = tmp_path / "sae_weights.safetensors"
    evil.write_bytes(pickle.dumps({"W_enc": [1, 2, 3]}))
    with pytest.raises(UploadError, match="not safetensors") as caught:
        check_sae((upload / "cfg.json").read_bytes(), evil, hook_sizes=HOOKS)
    assert caught.value.field == "weights"


def test_a_truncated_weights_file_is_refused(upload: Path) -> None:
    weights = upload / "sae_weights.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) - 1000])
    with pytest.raises(UploadError, match="do not match its shape and dtype"):
        safetensors_header(weights)


def test_tensors_of_mixed_dtypes_are_refused(upload: Path) -> None:
    weights = upload / "sae_weights.safetensors"
    data = weights.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    # b_dec as F16 with half the bytes: a consistent file, but not one dtype.
    start, end = header["b_dec"]["data_offsets"]
    header["b_dec"] = {"dtype": "F16", "shape": [128], "data_offsets": [start, start + 256]}
    raw = json.dumps(header).encode()
    body = data[8 + length:]
    weights.write_bytes(struct.pack("<Q", len(raw)) + raw + body)
    with pytest.raises(UploadError, match="mix dtypes"):
        check_sae((upload / "cfg.json").read_bytes(), weights, hook_sizes=HOOKS)
