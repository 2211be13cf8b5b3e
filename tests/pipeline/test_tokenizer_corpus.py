import numpy as np
import pytest

from pipeline.corpus import build_corpus
from pipeline.tokenizer import BOS_ID, display_strings, encode_stream, train_tokenizer

DOCS = [f"Return the {w} of the object.\n    Raises ValueError if {w} is missing." for w in
        ("name", "size", "length", "value", "type", "module", "path", "mode")] * 5


def test_tokenizer_training_is_deterministic():
    a, b = train_tokenizer(DOCS, 300), train_tokenizer(DOCS, 300)
    assert a.to_str() == b.to_str()


def test_stream_puts_bos_before_every_document():
    tok = train_tokenizer(DOCS, 300)
    stream, starts = encode_stream(tok, DOCS[:3])
    assert stream.dtype == np.int32
    assert stream[starts].tolist() == [BOS_ID] * 3
    assert (stream == BOS_ID).sum() == 3
    assert tok.decode(stream[starts[0] + 1:starts[1]].tolist()) == DOCS[0]


def test_display_strings_decode_each_token():
    tok = train_tokenizer(DOCS, 300)
    strings = display_strings(tok)
    assert len(strings) == tok.get_vocab_size()
    ids = tok.encode(" the name").ids
    assert "".join(strings[i] for i in ids) == " the name"


def test_corpus_of_python_docs_alone_is_deterministic_and_split():
    a, b = build_corpus(seed=0, sources=("python-docs",)), build_corpus(seed=0, sources=("python-docs",))
    assert a.train == b.train and a.validation == b.validation
    assert not set(a.train) & set(a.validation)
    assert a.documents


def test_corpus_is_deterministic_and_split():
    from pipeline.corpus_sources import SourceMissing

    try:
        a, b = build_corpus(seed=0), build_corpus(seed=0)
    except SourceMissing as exc:  # the prose parts come from Debian packages, needed only to rebuild
        pytest.skip(f"corpus source not installed here: {exc}")
    assert a.train == b.train and a.validation == b.validation
    assert not set(a.train) & set(a.validation)
    assert 0.03 < len(a.validation) / len(a.documents) < 0.07
    assert sum(map(len, a.documents)) > 1_000_000
