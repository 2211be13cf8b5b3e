"""The demo corpus: English prose that ships with every Python install.

Standard-library docstrings (modules, classes, functions; public, non-test modules only) plus the
pydoc topic pages. The walk order is sorted so the corpus is identical on every run and machine
with the same Python version.
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

    @property
    def documents(self) -> list[str]:
        return self.train + self.validation


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


def build_corpus(seed: int = 0, validation_fraction: float = 0.05) -> Corpus:
    """Deduplicated documents, shuffled with `seed`, split into train / validation."""
    seen: set[str] = set()
    documents: list[str] = []
    for doc in raw_documents():
        if len(doc) < _MIN_DOC_CHARS:
            continue
        key = hashlib.sha1(doc.encode()).hexdigest()
        if key in seen:
            continue
        seen.add(key)
        documents.append(doc)
    documents.sort()
    rng = random.Random(seed)
    rng.shuffle(documents)
    n_val = max(1, int(round(len(documents) * validation_fraction)))
    return Corpus(train=documents[n_val:], validation=documents[:n_val])


if __name__ == "__main__":  # used by raw_documents(): print the documents as JSON
    if sys.argv[1:] == ["--dump"]:
        docs = iter_module_docs() + pydoc_topic_docs()
        sys.stdout = sys.__stdout__
        print(json.dumps(docs))
