"""Planted features: each rule fires exactly where it says; records are made as for real features."""

from __future__ import annotations

import json

import numpy as np
import pytest

from pipeline.planted import (
    CANDIDATES,
    KINDS,
    LOW,
    Candidate,
    Stream,
    activations,
    load_demo_corpus,
    plant_features,
    rule_mask,
)
from pipeline.records import RecordConfig

VOCAB = ["<|endoftext|>", " my", " father", " went", " to", " the", " market", ".", " He", " saw", " his",
         " mother", ",", "\n", "The", " bro", "ther", "ly", " love", " dog", " a", "She", " (", "x", ")",
         ' "', '"', "--", " David", " LORD", " I", " Da", "vid"]
ID = {s: i for i, s in enumerate(VOCAB)}


def _ids(*pieces: str) -> list[int]:
    return [ID[p] for p in pieces]


def _fires(rule: dict, tokens: list[int], doc_starts: tuple[int, ...] = (0,)) -> list[int]:
    stream = Stream(np.asarray(tokens, dtype=np.int32), np.asarray(doc_starts), VOCAB)
    return np.flatnonzero(rule_mask(rule, stream)).tolist()


# 0 BOS | 1 my 2 father 3 went 4 to 5 the 6 market 7 . | 8 He 9 saw 10 his 11 mother 12 , 13 his
# 14 bro 15 ther 16 ly 17 love 18 . 19 \n | 20 The 21 father 22 . 23 \n | 24 She 25 saw 26 my 27 bro 28 ther
TEXT = _ids("<|endoftext|>", " my", " father", " went", " to", " the", " market", ".", " He", " saw", " his",
            " mother", ",", " his", " bro", "ther", "ly", " love", ".", "\n", "The", " father", ".", "\n",
            "She", " saw", " my", " bro", "ther")


def test_token_rule_fires_on_whole_words_of_the_set_only():
    rule = {"type": "words", "words": ["father", "mother", "brother"]}
    # "brotherly" is another word: its pieces do not fire; "brother" at the end fires on both.
    assert _fires(rule, TEXT) == [2, 11, 21, 27, 28]


def test_context_rule_fires_on_the_word_after_a_trigger_only():
    rule = {"type": "after", "words": ["my", "his"]}
    assert _fires(rule, TEXT) == [2, 11, 14, 15, 16, 27, 28]
    before = {"type": "before", "words": ["to"]}
    assert _fires(before, TEXT) == [3]
    case = {"type": "after", "words": ["He"], "case_sensitive": True}
    assert _fires(case, TEXT) == [9]


def test_position_rules_fire_at_their_place_in_line_and_sentence():
    line_start = {"type": "line_start"}
    assert _fires(line_start, TEXT) == [1, 20, 24]
    assert _fires({"type": "line_end"}, TEXT) == [17, 21]
    assert _fires({"type": "before_mark", "marks": ["."]}, TEXT) == [6, 17, 21]
    assert _fires({"type": "after_mark", "marks": ["."], "capitalised": True}, TEXT) == [8, 20, 24]
    assert _fires({"type": "before_mark", "marks": [","], "part": "last"}, TEXT) == [11]
    assert _fires({"type": "nth_word_of_sentence", "n": 2}, TEXT) == [2, 9, 21, 25]
    brackets = _ids("<|endoftext|>", " a", " (", "x", ")", " dog")
    assert _fires({"type": "inside_brackets"}, brackets) == [3]


def test_names_quotes_and_authors():
    text = _ids("<|endoftext|>", "She", " saw", " David", " to", " the", " LORD", ",", " I", " saw", " Da", "vid",
                ' "', "The", " dog", '"', "\n", "--", " Da", "vid", " love")
    # Names inside a sentence only: not its first word, not a shouted word, not the pronoun I.
    assert _fires({"type": "capitalised_mid_sentence"}, text) == [3, 10, 11]
    assert _fires({"type": "capitalised_mid_sentence", "part": "first"}, text) == [3, 10]
    assert _fires({"type": "after_open_quote"}, text) == [13]
    assert _fires({"type": "after_dash_line"}, text) == [18, 19]


def test_rules_stop_at_document_starts():
    # "my" ends one document; the next document's first word is not "after my".
    tokens = _ids("<|endoftext|>", " dog", " my", "<|endoftext|>", " father")
    assert _fires({"type": "after", "words": ["my"]}, tokens, (0, 3)) == []
    assert _fires({"type": "line_start"}, tokens, (0, 3)) == [1, 4]


def _sentence(rng: np.random.Generator) -> list[int]:
    det = [" my", " his", " the", " a"]
    noun = [" father", " mother", " dog", " market", " love"]
    words = [det[rng.integers(4)], noun[rng.integers(5)], [" saw", " went"][rng.integers(2)],
             det[rng.integers(4)], noun[rng.integers(5)], "."]
    return _ids(*words)


def _corpus(n_docs: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Short documents of random sentences, two to a line."""
    rng = np.random.default_rng(seed)
    tokens: list[int] = []
    starts = []
    for _ in range(n_docs):
        starts.append(len(tokens))
        tokens.append(ID["<|endoftext|>"])
        for line in range(int(rng.integers(4, 9))):
            if line:
                tokens.append(ID["\n"])
            tokens += _sentence(rng) + _sentence(rng)
    return np.asarray(tokens, dtype=np.int32), np.asarray(starts, dtype=np.int64)


PICK = ("token/family", "context/after-possessive", "position/line-start")
CFG = RecordConfig(n_pool=24)


@pytest.fixture(scope="module")
def planted():
    tokens, starts = _corpus()
    chosen = tuple(c for c in CANDIDATES if c.key in PICK)
    return tokens, starts, chosen, plant_features(tokens, starts, VOCAB, seed=3, candidates=chosen,
                                                  min_firing=20, max_fraction=0.5, cfg=CFG)


def test_plant_features_is_deterministic_and_seeded(planted):
    tokens, starts, chosen, first = planted
    again = plant_features(tokens, starts, VOCAB, seed=3, candidates=chosen, min_firing=20, max_fraction=0.5, cfg=CFG)
    other = plant_features(tokens, starts, VOCAB, seed=4, candidates=chosen, min_firing=20, max_fraction=0.5, cfg=CFG)
    assert [p.key for p in first] == list(PICK)
    for a, b, c in zip(first, again, other):
        assert (a.max_activation, a.frac_nonzero, len(a.records)) == (b.max_activation, b.frac_nonzero, len(b.records))
        for ra, rb in zip(a.records, b.records):
            assert (ra.start, ra.kind, ra.rank, ra.held_out, ra.unseen) == (rb.start, rb.kind, rb.rank, rb.held_out, rb.unseen)
            assert np.array_equal(ra.values, rb.values) and np.array_equal(ra.token_ids, rb.token_ids)
        assert a.max_activation != c.max_activation


def test_records_have_every_kind_and_disjoint_roles(planted):
    *_, features = planted
    for p in features:
        kinds = {r.kind for r in p.records}
        assert kinds == {"top", "quantile", "random"}
        clues = {(r.kind, r.rank, r.quantile_bin) for r in p.records if not r.held_out and not r.unseen and r.kind != "random"}
        scoring = {(r.kind, r.rank, r.quantile_bin) for r in p.records
                   if (r.kind == "top" and r.held_out) or (r.kind == "random" and not r.unseen)}
        unseen = {(r.kind, r.rank, r.quantile_bin) for r in p.records if r.unseen}
        assert clues and scoring and unseen
        assert not (clues & scoring) and not (clues & unseen) and not (scoring & unseen)
        assert any(r.held_out for r in p.records) and not any(r.held_out and r.unseen for r in p.records)
        assert all(r.kind == "top" for r in p.records if r.held_out)
        for r in p.records:
            assert r.token_ids.dtype == np.int32 and r.values.dtype == np.float32
            assert len(r.token_ids) == len(r.values) > 0


def test_record_values_follow_the_rule(planted):
    tokens, starts, chosen, features = planted
    stream = Stream(tokens, starts, VOCAB)
    for cand, p in zip(chosen, features):
        mask = rule_mask(cand.rule, stream)
        acts = activations(mask, tokens, cand.key, 3, len(VOCAB))
        assert p.max_activation == pytest.approx(float(acts.max()))
        assert p.frac_nonzero == pytest.approx(mask.sum() / (len(tokens) - len(starts)))
        for r in p.records:
            window = slice(r.start, r.start + len(r.values))
            assert np.array_equal(r.token_ids, tokens[window])
            assert np.array_equal(r.values > 0, mask[window])
            assert np.allclose(r.values, acts[window])
        fired = acts[mask]
        assert fired.min() >= LOW * fired.max() * 0.99


def test_every_candidate_has_a_true_explanation_and_three_distinct_decoys():
    keys = [c.key for c in CANDIDATES]
    assert len(keys) == len(set(keys))
    for kind in KINDS:
        assert sum(c.kind == kind for c in CANDIDATES) >= 8
    for c in CANDIDATES:
        assert isinstance(c, Candidate) and c.kind in KINDS and c.key.startswith(c.kind + "/")
        assert len(c.decoys) == 3 and len({c.explanation, *c.decoys}) == 4
        json.dumps(c.rule)
        for text in (c.explanation, *c.decoys):
            assert text.strip() and not any(ch.isdigit() for ch in text) and '"' not in text


def test_load_demo_corpus_finds_documents_by_their_bos(tmp_path):
    tokens, starts = _corpus(n_docs=3)
    np.save(tmp_path / "corpus_tokens.npy", tokens)
    (tmp_path / "vocab.json").write_text(json.dumps(VOCAB))
    t, s, v = load_demo_corpus(tmp_path)
    assert np.array_equal(t, tokens) and np.array_equal(s, starts) and v == VOCAB
