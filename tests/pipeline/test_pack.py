"""Pack writer and reader agree (PACK_FORMAT.md), and broken packs fail with clear errors."""

import json

import numpy as np
import pytest
import torch

from pipeline.logit_lens import decoder_neighbours, logit_lens
from pipeline.pack import (PackError, load_explanations, load_features, read_pack, record_values, write_explanations,
                           write_features, write_pack_json)
from pipeline.records import RecordConfig, scan_activations


def _arrays(F=3):
    rng = np.random.default_rng(0)
    tokens = rng.integers(1, 50, 600).astype(np.int32)
    tokens[[0, 300]] = 0
    acts = torch.tensor(np.where(rng.random((600, F)) < 0.2, rng.random((600, F)), 0.0), dtype=torch.float32)
    acts[[0, 300]] = 0
    a = scan_activations(acts, tokens, np.array([0, 300]), RecordConfig(n_pool=8, n_random=2))
    a.update(logit_lens(torch.randn(F, 8), torch.randn(8, 50)))
    a.update(decoder_neighbours(torch.randn(F, 8)))
    return a, tokens


def _write(tmp_path, arrays, width=3):
    write_features(tmp_path / "features" / "0-x.npz", arrays, width)
    write_explanations(tmp_path / "explanations" / "0-x.jsonl",
                       [{"index": i, "text": f"t{i}", "author_model": "m"} for i in range(width)])
    write_pack_json(tmp_path, {
        "name": "p", "seed": 0, "model": {"slug": "m"}, "corpus": {"n_tokens": 600}, "window": 64,
        "sources": [{"slug": "0-x", "kind": "sae", "layer": 0, "hook_point": "h", "width": width,
                     "features": "features/0-x.npz", "explanations": "explanations/0-x.jsonl"}]})


def test_features_round_trip_through_the_pack(tmp_path):
    arrays, _ = _arrays()
    _write(tmp_path, arrays)
    meta = read_pack(tmp_path)
    assert meta.name == "p" and meta.source("0-x").width == 3
    back = load_features(tmp_path, "0-x")
    for name, value in arrays.items():
        assert np.array_equal(back[name], value), name
    assert back["nz_pos"].dtype == np.uint16 and back["rec_start"].dtype == np.int64
    assert [e["index"] for e in load_explanations(tmp_path, "0-x")] == [0, 1, 2]
    r = int(np.argmax(back["rec_max"]))
    assert record_values(back, r).max() == back["rec_max"][r]


def test_writer_refuses_inconsistent_arrays(tmp_path):
    arrays, _ = _arrays()
    arrays["rec_nz_ptr"] = arrays["rec_nz_ptr"][:-1]
    with pytest.raises(PackError, match="rec_nz_ptr"):
        write_features(tmp_path / "f.npz", arrays, 3)


def test_writer_refuses_a_width_mismatch(tmp_path):
    arrays, _ = _arrays()
    with pytest.raises(PackError, match="width"):
        write_features(tmp_path / "f.npz", arrays, 4)


def test_reader_names_a_missing_file(tmp_path):
    arrays, _ = _arrays()
    _write(tmp_path, arrays)
    (tmp_path / "explanations" / "0-x.jsonl").unlink()
    with pytest.raises(PackError, match="explanations/0-x.jsonl is missing"):
        read_pack(tmp_path)


def test_reader_refuses_another_format_version(tmp_path):
    arrays, _ = _arrays()
    _write(tmp_path, arrays)
    meta = json.loads((tmp_path / "pack.json").read_text())
    meta["format_version"] = 99
    (tmp_path / "pack.json").write_text(json.dumps(meta))
    with pytest.raises(PackError, match="format_version"):
        read_pack(tmp_path)


def test_unknown_source_is_a_clear_error(tmp_path):
    arrays, _ = _arrays()
    _write(tmp_path, arrays)
    with pytest.raises(PackError, match="no source 'nope'"):
        load_features(tmp_path, "nope")
