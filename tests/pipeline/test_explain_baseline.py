from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command

from pipeline import pack as packio
from pipeline.explain_baseline import AUTHOR_MODEL, DEAD_TEXT, MAX_CHARS, MAX_EXAMPLES, classify, explain_source
from pipeline.logit_lens import logit_lens
from pipeline.records import RecordConfig, scan_activations

DEMO = Path(__file__).resolve().parents[2] / "packs" / "demo"
HAS_DEMO = all((DEMO / p).exists() for p in ("pack.json", "vocab.json", "corpus_tokens.npy", "features"))
needs_demo = pytest.mark.skipif(not HAS_DEMO, reason="packs/demo is not built (pipeline.build_demo)")

QUOTED = re.compile(r'"([^"]*)"|\u201c([^\u201d]*)\u201d')


def debris(text: str) -> list[str]:
    """Everything that makes a baseline read as machine debris rather than a player's sentence."""
    problems = []
    if any(unicodedata.category(c)[0] == "C" for c in text):
        problems.append("control or invisible character")
    if "\ufffd" in text:
        problems.append("replacement character")
    if "\\" in text:
        problems.append("backslash escape")
    if text.count('"') % 2:
        problems.append("unbalanced quotes")
    if len(text) > MAX_CHARS:
        problems.append(f"longer than {MAX_CHARS} characters")
    examples = [a or b for a, b in QUOTED.findall(text)]
    if len(examples) > MAX_EXAMPLES:
        problems.append(f"{len(examples)} quoted examples")
    for e in examples:
        if not e.strip():
            problems.append("whitespace-only quoted token")
        elif e != e.strip():
            problems.append(f"quoted token with leading/trailing space: {e!r}")
    folded = [e.strip().lower() for e in examples]
    if len(set(folded)) != len(folded):
        problems.append("the same example twice (differing only by case or space)")
    if text.startswith("tokens like") or ", predicting" in text and "next" not in text:
        problems.append("old token-list style")
    return problems


def _scan(acts: np.ndarray, tokens: np.ndarray, n_vocab: int) -> dict[str, np.ndarray]:
    a = scan_activations(torch.tensor(acts), tokens, np.array([0, len(tokens) // 2]), RecordConfig(n_pool=8))
    a.update(logit_lens(torch.eye(acts.shape[1], 4), torch.eye(4, n_vocab)))
    return a


def test_baseline_names_the_token_a_feature_fires_on():
    rng = np.random.default_rng(0)
    tokens = rng.integers(3, 40, 4000).astype(np.int32)
    tokens[[0, 2000]] = 0
    acts = np.zeros((len(tokens), 2), dtype=np.float32)
    acts[tokens == 5, 0] = 1.0 + rng.random((tokens == 5).sum())
    acts[tokens == 9, 1] = 1.0 + rng.random((tokens == 9).sum())
    vocab = [f"tok{i}" for i in range(40)]
    out = explain_source(_scan(acts, tokens, 40), tokens, vocab)
    assert [e["index"] for e in out] == [0, 1]
    assert '"tok5"' in out[0]["text"] and '"tok9"' not in out[0]["text"]
    assert '"tok9"' in out[1]["text"]
    assert out[0]["author_model"] == AUTHOR_MODEL == "baseline-top-tokens-v2"


def test_a_dead_feature_is_called_dead():
    tokens = np.zeros(200, dtype=np.int32)
    tokens[1:] = 3
    a = scan_activations(torch.zeros(200, 1), tokens, np.array([0]), RecordConfig(n_pool=2))
    a.update(logit_lens(torch.ones(1, 2), torch.ones(2, 5)))
    assert explain_source(a, tokens, ["x"] * 5)[0]["text"] == DEAD_TEXT


VOCAB = ["<|endoftext|>", " return", "Return", "\n      ", "        ", "\x00", "\ufffd", " the", " a", " print",
         "ex", "pre", "ample", "dict", " (", "N", "ame", ".", " value", " x"]


def test_whitespace_case_and_debris_become_words():
    rng = np.random.default_rng(1)
    ids = {t: i for i, t in enumerate(VOCAB)}
    filler = [ids[t] for t in (" the", " a", " value", " x", ".", " (")]
    tokens = rng.choice(filler, 6000).astype(np.int32)
    tokens[[0, 3000]] = 0
    # plant: " return"/"Return" before " the"/" a"; indentation before " print"; "\x00"/"\ufffd"; "ex"/"pre" mid-word
    for k, p in enumerate(range(10, 2900, 40)):
        tokens[p - 1:p + 2] = [ids["."], ids[" return" if k % 3 else "Return"], ids[" the" if k % 2 else " a"]]
        tokens[p + 10:p + 12] = [ids["\n      " if k % 2 else "        "], ids[" print"]]
        tokens[p + 20] = ids["\x00" if k % 2 else "\ufffd"]
        tokens[p + 25:p + 28] = [ids["dict"], ids["ex" if k % 2 else "pre"], ids["ample"]]
        tokens[p + 30:p + 33] = [ids[" ("], ids["N"], ids["ame"]]
    acts = np.zeros((len(tokens), 5), dtype=np.float32)
    for f, names in enumerate([(" return", "Return"), ("\n      ", "        "), ("\x00", "\ufffd"), ("ex", "pre"), ("N",)]):
        acts[np.isin(tokens, [ids[n] for n in names]), f] = 1.0 + rng.random(np.isin(tokens, [ids[n] for n in names]).sum())
    texts = [e["text"] for e in explain_source(_scan(acts, tokens, len(VOCAB)), tokens, VOCAB)]
    for t in texts:
        assert not debris(t), (t, debris(t))
    assert texts[0].startswith('the word "return" (capitalised or not)') and ('"the"' in texts[0] and '"a"' in texts[0])
    assert texts[1].startswith("newlines followed by indentation") or texts[1].startswith("runs of spaces")
    assert "indentation" in texts[1] and "spaces" in texts[1] and '"print"' in texts[1]
    assert "non-ASCII" in texts[2] or "control characters" in texts[2]
    assert texts[3].startswith("the piece") and '"ex"' in texts[3] and '"pre"' in texts[3] and "inside longer words" in texts[3]
    assert texts[4].startswith('the letter "N" starting capitalised words')


@pytest.mark.parametrize("token, kind", [
    (" import", "word"), ("\n", "named"), ("\n\n   ", "named"), ("    ", "named"), ("\x16", "named"),
    ("\ufffd", "named"), (' "__', "named"), ("+-------+", "named"), (")", "named"), (").", "symbol"), ("12", "number"),
])
def test_every_token_is_either_quoted_cleanly_or_named_in_words(token, kind):
    tok = classify(token)
    assert tok.kind == kind
    if kind == "named":
        assert tok.many and not debris(tok.many)
    else:
        assert tok.shown == token.strip() and not debris(f'"{tok.shown}"')


@pytest.fixture(scope="module")
def demo_baselines() -> dict[str, list[dict]]:
    vocab, tokens = packio.load_vocab(DEMO), packio.load_corpus_tokens(DEMO)
    return {s.slug: explain_source(packio.load_features(DEMO, s.slug), tokens, vocab)
            for s in packio.read_pack(DEMO).sources}


@needs_demo
def test_no_demo_baseline_reads_as_debris(demo_baselines) -> None:
    bad = [(slug, e["index"], e["text"], debris(e["text"]))
           for slug, rows in demo_baselines.items() for e in rows if debris(e["text"])]
    assert not bad, bad[:10]
    for slug, rows in demo_baselines.items():
        features = packio.load_features(DEMO, slug)
        assert [e["index"] for e in rows] == list(range(len(features["max_activation"])))
        live = features["max_activation"] > 0
        assert all((e["text"] == DEAD_TEXT) != bool(live[e["index"]]) for e in rows)
        assert {e["author_model"] for e in rows} == {AUTHOR_MODEL}


@needs_demo
def test_the_committed_demo_pack_carries_the_current_baselines(demo_baselines) -> None:
    for slug, rows in demo_baselines.items():
        assert packio.load_explanations(DEMO, slug) == rows, f"run: manage.py write_baselines --pack packs/demo ({slug})"


@needs_demo
def test_write_baselines_is_deterministic_and_writes_no_other_file(tmp_path) -> None:
    pack = tmp_path / "demo"
    pack.mkdir()
    for name in ("pack.json", "vocab.json", "corpus_tokens.npy"):
        shutil.copy(DEMO / name, pack / name)
    shutil.copytree(DEMO / "features", pack / "features")
    (pack / "explanations").mkdir()
    slugs = [s.slug for s in packio.read_pack(DEMO).sources]
    for slug in slugs:
        (pack / "explanations" / f"{slug}.jsonl").write_text('{"index": 0, "text": "stale", "author_model": "baseline-old"}\n')
    with pytest.raises(CommandError, match="out of date"):
        call_command("write_baselines", pack=str(pack), check=True, stdout=open("/dev/null", "w"))

    call_command("write_baselines", pack=str(pack), stdout=open("/dev/null", "w"))
    first = {p.name: p.read_bytes() for p in sorted((pack / "explanations").iterdir())}
    call_command("write_baselines", pack=str(pack), stdout=open("/dev/null", "w"))
    second = {p.name: p.read_bytes() for p in sorted((pack / "explanations").iterdir())}
    assert first == second
    assert sorted(first) == sorted(f"{s}.jsonl" for s in slugs)
    assert (pack / "pack.json").read_bytes() == (DEMO / "pack.json").read_bytes()
    for slug in slugs:
        assert first[f"{slug}.jsonl"] == (DEMO / "explanations" / f"{slug}.jsonl").read_bytes()
    call_command("write_baselines", pack=str(pack), check=True, stdout=open("/dev/null", "w"))
