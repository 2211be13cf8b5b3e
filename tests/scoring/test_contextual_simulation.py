"""The default scorer, with the real sentence-embedding model (installed with its weights)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from scoring import contextual
from scoring.base import PermanentScoringError
from scoring.contextual import (
    ContextualEncoder,
    cpu_has_fast_bfloat16,
    resolve_precision,
)
from scoring.embedder import local_model_path
from scoring.naming import named_words, naming_scores
from scoring.onnx_encoder import model_file
from scoring.records import build_scoring_input
from scoring.registry import get_scorer, scorer_version
from scoring.scorers.contextual_simulation import ContextualSimulator, clauses

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def scorer() -> ContextualSimulator:
    return ContextualSimulator()


def test_every_token_gets_a_unit_vector_in_context() -> None:
    enc = ContextualEncoder()
    records = [["The", " cat", "\n", "   ", " sat", "."], ["def", " f", "():", "\n    ", "return", " 1"]]
    vecs = enc.records(records)
    assert [v.shape[0] for v in vecs] == [6, 6]
    assert np.allclose(np.linalg.norm(vecs[0], axis=1), 1, atol=1e-4)
    # The same word in two contexts reads differently.
    a = enc.records([["The", " bank", " of", " the", " river"]])[0][1]
    b = enc.records([["The", " bank", " lent", " money"]])[0][1]
    assert float(a @ b) < 0.99


RECORDS = [
    ["The", " cat", " sat", " on", " the", " mat", "."],
    ["In", " the", " beginning", " was", " the", " Word", ",", " and", " the", " Word", " was", " with", " God", ".",
     "\n", "All", " things", " were", " made", " by", " him", ";", " and", " without", " him", " was", " not"],
    ["def", " f", "():", "\n    ", "return", " 1"],
    ["A", " fool", " and", " his", " money", " are", " soon", " parted", "."],
    ["Ask", " not", "."],
]


def test_sequences_grouped_by_length_read_as_in_one_padded_batch() -> None:
    enc = ContextualEncoder(precision="float32")
    assert enc.batch == contextual.BATCH < len(RECORDS) + 2
    texts = ["the word was in passive clauses", "Line breaks at the end of verse lines"]
    grouped, explained = enc.encode(RECORDS, texts)
    enc.batch = 1000  # everything padded to the longest, as before
    padded, explained_padded = enc.encode(RECORDS, texts)
    for a, b in zip(grouped, padded):
        assert a.shape == b.shape
        assert np.abs(a - b).max() < 1e-4
    for a, b in zip(explained, explained_padded):
        assert np.abs(a.content - b.content).max() < 1e-4
        assert np.abs(a.sentence - b.sentence).max() < 1e-4


def _cosines(a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
    return np.concatenate([(x * y).sum(axis=1) for x, y in zip(a, b)])


@pytest.fixture(scope="module")
def reference() -> list[np.ndarray]:
    """Token vectors from PyTorch's eager model in float32: what every faster form must match."""
    return ContextualEncoder(precision="float32", runtime="torch").records(RECORDS)


def test_the_onnx_graph_reads_tokens_as_the_torch_model_does(reference) -> None:
    # Batches of 2 mix padded and unpadded rows: the exported mask must hold in both.
    onnx = ContextualEncoder(precision="float32", batch=2)
    assert onnx.runtime == "onnx"
    assert _cosines(reference, onnx.records(RECORDS)).min() > 0.9999


def test_int8_and_bfloat16_stay_close_to_float32(reference) -> None:
    int8 = _cosines(reference, ContextualEncoder(precision="int8").records(RECORDS))
    assert int8.mean() > 0.98 and int8.min() > 0.9
    half = _cosines(reference, ContextualEncoder(precision="bfloat16").records(RECORDS))
    assert half.min() > 0.995


def test_an_encoder_graph_is_built_once_per_model_and_precision(tmp_path) -> None:
    path = local_model_path()
    (tmp_path / "encoder-float32-0123456789abcdef.onnx").write_bytes(b"from an earlier torch")
    (tmp_path / "encoder-int8-0123456789abcdef.onnx").write_bytes(b"another precision's")
    first = model_file(path, "float32", tmp_path)
    built = first.stat().st_mtime_ns
    assert model_file(path, "float32", tmp_path) == first and first.stat().st_mtime_ns == built
    # No temporary files left, the stale graph of this precision gone, the other kept.
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name, "encoder-int8-0123456789abcdef.onnx"]
    with pytest.raises(ValueError, match="float32 or int8"):
        model_file(path, "bfloat16", tmp_path)


def test_precision_and_runtime_are_checked(tmp_path) -> None:
    amd = tmp_path / "zen4"
    amd.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni\n")
    old = tmp_path / "old"
    old.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2\n")
    assert cpu_has_fast_bfloat16(str(amd)) and not cpu_has_fast_bfloat16(str(old))
    assert not cpu_has_fast_bfloat16(str(tmp_path / "absent"))
    assert resolve_precision("auto") == contextual.AUTO_PRECISION == "int8"
    assert resolve_precision("float32") == "float32"
    with pytest.raises(ValueError, match="float32"):
        ContextualEncoder(precision="fp8")
    with pytest.raises(ValueError, match="int8 on onnx"):
        ContextualEncoder(precision="int8", runtime="torch")
    with pytest.raises(ValueError, match="bfloat16 on torch"):
        ContextualEncoder(precision="bfloat16", runtime="onnx")
    assert ContextualEncoder(precision="bfloat16").runtime == "torch"


def test_a_misconfigured_precision_fails_the_score_with_its_setting_named(settings, monkeypatch) -> None:
    settings.SCORING_ENCODER_PRECISION = "fp8"
    monkeypatch.setattr(contextual, "_DEFAULT", None)
    data = build_scoring_input(explanation="the word cat", top=[(["The", " cat"], [0.0, 1.0])])
    with pytest.raises(PermanentScoringError, match="SCORING_ENCODER_PRECISION.*float32.*fp8"):
        ContextualSimulator().score(data)


def test_clauses_split_an_explanation_of_two_things() -> None:
    assert clauses("the word not, and also every comma") == ["the word not", "every comma"]
    assert clauses("module names such as sys and os") == ["module names such as sys and os"]


def test_naming_reads_plainly_named_words_but_not_grammar() -> None:
    assert {"sys", "os"} <= named_words("The module names sys and os before a dot")
    assert "the" not in named_words("The module names sys and os before a dot")
    assert {"not", "is", "as"} <= named_words("The short words not, is and as")
    assert "an" in named_words("the article an before a vowel")
    scores = naming_scores("the piece pre inside words such as previous", ["pre", "vious", " the", " previous"])
    assert scores.tolist() == [1.0, 0.3, 0.0, 1.0]


def _data(explanation: str):
    top = [
        ([" This", " is", " an", " apple", " and", " an", " egg", "."], [0, 0, 5.0, 0, 0, 4.5, 0, 0]),
        ([" Use", " an", " object", " as", " a", " key", "."], [0, 4.8, 0, 0, 0, 0, 0]),
        ([" It", " returns", " an", " integer", "."], [0, 0, 5.2, 0, 0]),
    ]
    random = [
        ([" The", " file", " is", " closed", " after", " reading", "."], [0] * 7),
        ([" Call", " the", " function", " with", " two", " arguments", "."], [0] * 7),
        ([" See", " the", " module", " documentation", " for", " details", "."], [0] * 7),
    ]
    return build_scoring_input(explanation=explanation, top=top, random=random, max_activation=5.2)


def test_the_right_explanation_beats_a_decoy_and_another_features(scorer) -> None:
    right = scorer.score(_data("the indefinite article an before a noun"))
    decoy = scorer.score(_data("the nouns that follow an article, such as apple, object or integer"))
    other = scorer.score(_data("closing parentheses in function calls"))
    assert right.status == "ok" and right.value > 0.5
    assert right.value > decoy.value and right.value > other.value


def test_a_score_carries_its_records_and_standard_error(scorer) -> None:
    res = scorer.score(_data("the article an"))
    assert res.stderr is not None and 0 <= res.stderr < 0.5
    recs = res.details["records"]
    assert [r["kind"] for r in recs] == ["top"] * 3 + ["random"] * 3
    assert all(len(r["true"]) == len(r["predicted"]) for r in recs)
    assert max(max(r["predicted"]) for r in recs) == pytest.approx(10.0)


def test_it_is_registered_and_is_the_default() -> None:
    from django.conf import settings

    assert isinstance(get_scorer("contextual-simulation"), ContextualSimulator)
    assert scorer_version("contextual-simulation") == ContextualSimulator.version
    assert settings.SCORING_METHOD == "contextual-simulation"


def test_the_committed_benchmark_names_the_default_and_every_offline_method() -> None:
    result = json.loads((ROOT / "bench" / "results" / "scoring.json").read_text())
    assert result["default_method"] == "contextual-simulation"
    for method in ("contextual-simulation", "offline-simulation", "embedding"):
        entry = result["methods"][method]
        assert set(entry["sets"]) >= {"human-random", "human-neighbour", "human-decoy", "sanity-missing", "sanity-extra"}
        assert all(s["pairs"] >= 50 and 0 <= s["win_rate"] <= 1 for s in entry["sets"].values())
        assert all(s["ci95"][0] <= s["win_rate"] <= s["ci95"][1] for s in entry["sets"].values())
        assert entry["scores_per_s"] > 0


def test_a_narrowed_explanation_loses_where_the_part_it_dropped_fires(scorer) -> None:
    top = [
        ([" Congress", " regulates", " interstate", " comm", "erce", "."], [0, 0, 0, 5.0, 0, 0]),
        ([" They", " comm", "itted", " the", " change", "."], [0, 4.8, 0, 0, 0, 0]),
        ([" Split", " the", " line", " at", " each", " comm", "a", "."], [0, 0, 0, 0, 0, 5.1, 0, 0]),
    ]
    random = [
        ([" The", " file", " is", " closed", " after", " reading", "."], [0] * 7),
        ([" See", " the", " module", " documentation", " for", " details", "."], [0] * 7),
    ]
    data = {e: build_scoring_input(explanation=e, top=top, random=random, max_activation=5.1) for e in (
        "The opening piece comm of words such as commerce, commit and comma",
        "The comm at the start of the word commit",
    )}
    broad, narrow = (scorer.score(d).value for d in data.values())
    assert broad > narrow
    named = scorer.readings("The comm at the start of the word commit", list(data.values())[1].top_records)["named"]
    tokens = [t for r in list(data.values())[1].top_records for t in r.tokens]
    assert [tokens[i] for i in np.flatnonzero(named == 1.0)] == [" comm"]  # the one inside committed


def test_a_word_named_by_its_part_of_speech_is_named() -> None:
    assert "of" in named_words("The preposition of after nouns like list or array")
    assert "but" in named_words("The conjunction but introducing a contrast")
    assert "of" not in named_words("The start of a module docstring")
