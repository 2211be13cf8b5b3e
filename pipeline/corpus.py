"""The demo corpus: English prose and verse of several kinds, with code documentation as one
part among several (`pipeline/corpus_sources.py` says where each part comes from).

The code part is the standard library's docstrings (modules, classes, functions; public,
non-test modules only) plus the pydoc topic pages, walked in sorted order. Every part is
deduplicated, sampled with the build's seed up to its budget, and the documents of all parts
are shuffled together, so the same package versions and seed give the same corpus.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import io
import json
import subprocess
import pkgutil
import random
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

# Modules whose import has side effects (opens windows, prints, starts things) or is slow.
_SKIP_PREFIXES = (
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "test", "lib2to3",
    "ensurepip", "venv", "pydoc_data", "xxsubtype", "xxlimited", "__phello__", "_",
)
_MIN_DOC_CHARS = 80


@dataclass(frozen=True)
class Corpus:
    train: list[str]
    validation: list[str]
    # The source of each document, in the same order (empty for a single-source corpus).
    train_sources: tuple[str, ...] = ()
    validation_sources: tuple[str, ...] = ()

    @property
    def documents(self) -> list[str]:
        return self.train + self.validation

    @property
    def document_sources(self) -> list[str]:
        return list(self.train_sources) + list(self.validation_sources)

    def head(self, n_train: int, n_validation: int) -> "Corpus":
        """The first documents only (quick end-to-end builds in tests)."""
        return Corpus(self.train[:n_train], self.validation[:n_validation],
                      tuple(self.train_sources[:n_train]), tuple(self.validation_sources[:n_validation]))


def _stdlib_module_names() -> list[str]:
    names = set(sys.stdlib_module_names)
    out = []
    for name in sorted(names):
        if name.startswith(_SKIP_PREFIXES) or "test" in name:
            continue
        out.append(name)
    return out


def _public_members(module) -> list[object]:
    members = []
    for attr in sorted(vars(module)):
        if attr.startswith("_"):
            continue
        obj = getattr(module, attr, None)
        # Only objects defined in this module, so re-exports are not counted twice.
        owner = getattr(obj, "__module__", None) or ""
        if owner.lstrip("_") != module.__name__.lstrip("_"):
            continue
        if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
            members.append(obj)
            if inspect.isclass(obj):
                for meth in sorted(vars(obj)):
                    if not meth.startswith("_"):
                        members.append(getattr(obj, meth, None))
    return members


def _clean(doc: str | None) -> str:
    if not doc:
        return ""
    return inspect.cleandoc(doc).strip()


def iter_module_docs(max_submodule_depth: int = 1) -> list[str]:
    """Docstrings of stdlib modules and their public members, in a fixed order."""
    docs: list[str] = []
    names = _stdlib_module_names()
    expanded: list[str] = []
    for name in names:
        expanded.append(name)
        try:
            with warnings.catch_warnings(), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                mod = importlib.import_module(name)
        except BaseException:  # noqa: BLE001 - optional C modules may be missing
            continue
        if max_submodule_depth and hasattr(mod, "__path__"):
            subs = sorted(i.name for i in pkgutil.iter_modules(mod.__path__, name + "."))
            expanded.extend(s for s in subs if not any(p.startswith(("_", "test")) for p in s.split(".")[1:]))
    for name in expanded:
        try:
            with warnings.catch_warnings(), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                mod = importlib.import_module(name)
        except BaseException:  # noqa: BLE001
            continue
        docs.append(_clean(mod.__doc__))
        for obj in _public_members(mod):
            docs.append(_clean(getattr(obj, "__doc__", None)))
    return docs


def pydoc_topic_docs() -> list[str]:
    from pydoc_data.topics import topics

    return [topics[k].strip() for k in sorted(topics)]


def raw_documents() -> list[str]:
    """All candidate documents, collected in a fresh interpreter: importing modules changes other
    modules' namespaces, so the same walk in a used interpreter can see a different set."""
    out = subprocess.run([sys.executable, "-I", str(Path(__file__).resolve()), "--dump"],
                         capture_output=True, text=True, check=True, env={"PYTHONHASHSEED": "0"})
    return json.loads(out.stdout)


def _unique(docs: list[str], min_chars: int) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for doc in docs:
        if len(doc) < min_chars:
            continue
        key = hashlib.sha1(doc.encode()).hexdigest()
        if key not in seen:
            seen.add(key)
            out.append(doc)
    return out


def build_corpus(seed: int = 0, validation_fraction: float = 0.05, sources: tuple[str, ...] | None = None) -> Corpus:
    """Documents of every source (or of `sources`), each part sampled to its budget with `seed`,
    shuffled together and split into train / validation. SourceMissing names what to install."""
    from pipeline.corpus_sources import SOURCES, sample_documents

    names = tuple(sources) if sources else tuple(SOURCES)
    unknown = [n for n in names if n not in SOURCES]
    if unknown:
        raise ValueError(f"unknown corpus sources {unknown}; known: {sorted(SOURCES)}")
    tagged: list[tuple[str, str]] = []
    for name in names:
        source = SOURCES[name]
        docs = _unique(source.read(random.Random(f"{seed}:{name}:read")), 40 if source.kind == "prose" else _MIN_DOC_CHARS)
        for doc in sample_documents(docs, source.budget_chars, random.Random(f"{seed}:{name}:sample")):
            tagged.append((doc, name))
    tagged.sort()
    random.Random(seed).shuffle(tagged)
    n_val = max(1, int(round(len(tagged) * validation_fraction)))
    validation, train = tagged[:n_val], tagged[n_val:]
    return Corpus(
        train=[d for d, _ in train], validation=[d for d, _ in validation],
        train_sources=tuple(n for _, n in train), validation_sources=tuple(n for _, n in validation),
    )


if __name__ == "__main__":  # used by raw_documents(): print the documents as JSON
    if sys.argv[1:] == ["--dump"]:
        docs = iter_module_docs() + pydoc_topic_docs()
        sys.stdout = sys.__stdout__
        print(json.dumps(docs))
