"""The demo corpus's sources: public-domain and freely licensed English that installs offline.

Each source reads documents from a Debian package (or, for code documentation, from the Python
install itself) and says what it is: its package and exact version, its licence, and whether its
text is prose or code (the quality bench counts clues by the document they come from). Reading
is deterministic: files are walked in sorted order and samples are drawn with the build's seed,
so the same package versions give the same corpus.

A source whose package is missing raises `SourceMissing` with the command that installs it;
`build_demo` refuses to build a partial corpus unless told which sources to use.
"""

from __future__ import annotations

import gzip
import random
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class SourceMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class CorpusSource:
    name: str
    kind: str  # "prose" or "code"
    package: str  # the Debian package(s) it comes from, or "python"
    licence: str
    description: str
    read: Callable[[random.Random], list[str]]
    # Roughly how many characters to take (a seeded sample of whole documents).
    budget_chars: int
    extra: dict = field(default_factory=dict)


def _dpkg_version(package: str) -> str:
    """The installed version of a Debian package; SourceMissing when it is not installed."""
    if shutil.which("dpkg-query") is None:
        raise SourceMissing(f"dpkg-query is not available: {package} cannot be read here")
    done = subprocess.run(["dpkg-query", "-W", "-f=${Status}\t${Version}", package], capture_output=True, text=True)
    status, _, version = done.stdout.partition("\t")
    if done.returncode != 0 or "installed" not in status.split():
        raise SourceMissing(f"the Debian package {package} is not installed: apt-get install {package}")
    return version


def _normalise(text: str) -> str:
    text = text.replace("\t", " ")
    text = re.sub(r"[ \u00a0]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return text.strip()


# --- King James Bible ---------------------------------------------------------------------------

_BOOKS = [
    "Ge", "Ex", "Le", "Nu", "De", "Jos", "Jud", "Ru", "1Sa", "2Sa", "1Ki", "2Ki", "1Ch", "2Ch", "Ezr", "Ne",
    "Es", "Job", "Ps", "Pr", "Ec", "So", "Isa", "Jer", "La", "Eze", "Da", "Ho", "Joe", "Am", "Ob", "Jon",
    "Mic", "Na", "Hab", "Zep", "Hag", "Zec", "Mal", "Mt", "Mr", "Lu", "Joh", "Ac", "Ro", "1Co", "2Co", "Ga",
    "Eph", "Php", "Col", "1Th", "2Th", "1Ti", "2Ti", "Tit", "Phm", "Heb", "Jas", "1Pe", "2Pe", "1Jo", "2Jo",
    "3Jo", "Jude", "Re",
]


# "Genesis 1", "1 Samuel 3", "Song of Solomon 2"; verses are indented and numbered.
_CHAPTER_HEADER = re.compile(r"^(?:\d )?[A-Z].* \d+$")


def _kjv_chapters(rng: random.Random) -> list[str]:
    """One document per chapter: narrative, law, poetry (Psalms), proverbs, prophecy, letters."""
    _dpkg_version("bible-kjv-text")
    if shutil.which("bible") is None:
        raise SourceMissing("the bible reader is not installed: apt-get install bible-kjv")
    docs: list[str] = []
    for book in _BOOKS:
        # A whole book at once: the reader prints "Book N" headers and numbered verses.
        out = subprocess.run(["bible", "-l0", f"{book}1:1-{book}150:200"], capture_output=True, text=True).stdout
        chapter: list[str] = []
        for line in out.splitlines():
            if _CHAPTER_HEADER.match(line):
                if chapter:
                    docs.append(" ".join(chapter))
                chapter = []
                continue
            verse = re.sub(r"^\s*\d+\s+", "", line).strip()
            if verse:
                chapter.append(verse)
        if chapter:
            docs.append(" ".join(chapter))
    return [_normalise(d) for d in docs if d]


# --- fortunes: quotations, proverbs, jokes, verse -----------------------------------------------------

FORTUNE_DIR = Path("/usr/share/games/fortunes")
# Files that are mostly code, shell sessions, pictures or meta-notes: they would only add more
# "code" to a corpus meant to be prose.
_FORTUNE_SKIP = {"ascii-art", "art", "computers", "debian", "linux", "linuxcookie", "perl", "translate-me",
                 "disclaimer", "knghtbrd"}


def _fortunes(rng: random.Random) -> list[str]:
    _dpkg_version("fortunes")
    docs: list[str] = []
    for path in sorted(FORTUNE_DIR.iterdir()):
        if path.suffix or path.name in _FORTUNE_SKIP or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for entry in re.split(r"\n%\n", text):
            entry = _normalise(entry)
            if len(entry) >= 40:
                docs.append(entry)
    return docs


# --- WordNet glosses: definitions with example sentences ---------------------------------------

WORDNET_DIR = Path("/usr/share/wordnet")
_GLOSSES_PER_DOC = 12


def _wordnet(rng: random.Random) -> list[str]:
    """Dictionary-style entries: "word: definition; "an example of it in use"", twelve to a document."""
    _dpkg_version("wordnet-base")
    entries: list[str] = []
    for part in ("noun", "verb", "adj", "adv"):
        for line in (WORDNET_DIR / f"data.{part}").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("  ") or "|" not in line:
                continue  # the licence header
            head, _, gloss = line.partition("|")
            fields = head.split()
            word = fields[4].replace("_", " ") if len(fields) > 4 else ""
            gloss = gloss.strip()
            if word and '"' in gloss:  # only glosses with an example sentence: they read as English
                entries.append(f"{word}: {gloss}")
    rng.shuffle(entries)
    return [_normalise("\n".join(entries[i:i + _GLOSSES_PER_DOC])) for i in range(0, len(entries), _GLOSSES_PER_DOC)]


# --- The Devil's Dictionary ---------------------------------------------------------------------

DEVIL_DICT = Path("/usr/share/dictd/devil.dict.dz")


def _devil(rng: random.Random) -> list[str]:
    _dpkg_version("dict-devil")
    text = gzip.decompress(DEVIL_DICT.read_bytes()).decode("utf-8", errors="replace")
    # Entries start with an upper-case headword line ("ABSURDITY, n. ...").
    entries = re.split(r"\n(?=[A-Z][A-Z' -]+,? (?:n|v|adj|adv|pp|x)\b)", text)
    docs = [_normalise(e) for e in entries if len(e) > 80 and not e.startswith("00database")]
    return docs[1:]  # the first block is the book's front matter


# --- Python documentation (code) -----------------------------------------------------------------------


def _python_docs(rng: random.Random) -> list[str]:
    from pipeline.corpus import raw_documents

    return raw_documents()


def _python_version(_: object = None) -> str:
    import sys

    return "%d.%d.%d" % sys.version_info[:3]


SOURCES: dict[str, CorpusSource] = {s.name: s for s in [
    CorpusSource("kjv-bible", "prose", "bible-kjv-text (read with bible-kjv)", "public domain (King James Version, 1611)",
                 "The King James Bible, one document per chapter: narrative, dialogue, law, psalms, proverbs, "
                 "prophecy and letters.", _kjv_chapters, 1_400_000),
    CorpusSource("fortunes", "prose", "fortunes", "BSD licence (fortune-mod data files)",
                 "Quotations, proverbs, jokes, short verse and song lyrics from the fortune cookie files "
                 "(files of code, shell sessions and pictures left out).", _fortunes, 1_100_000),
    CorpusSource("wordnet-glosses", "prose", "wordnet-base", "WordNet 3.0 licence (free, with notice)",
                 "WordNet definitions that come with an example sentence, twelve to a document.",
                 _wordnet, 650_000),
    CorpusSource("devils-dictionary", "prose", "dict-devil", "public domain (Ambrose Bierce, 1911)",
                 "The Devil's Dictionary: satirical definitions with verse and anecdotes.", _devil, 400_000),
    CorpusSource("python-docs", "code", "python", "PSF licence (Python's own documentation)",
                 "Docstrings of the Python standard library and the pydoc topic pages.", _python_docs, 700_000),
]}


def source_version(source: CorpusSource) -> str:
    if source.package == "python":
        return _python_version()
    return _dpkg_version(source.package.split()[0])


def sample_documents(docs: list[str], budget_chars: int, rng: random.Random) -> list[str]:
    """A seeded sample of whole documents adding up to about `budget_chars`."""
    docs = sorted(set(docs))
    rng.shuffle(docs)
    out, total = [], 0
    for doc in docs:
        if total >= budget_chars:
            break
        out.append(doc)
        total += len(doc)
    return out


def available_sources() -> tuple[str, ...]:
    """The sources this machine can read (python-docs always)."""
    out = []
    for name, source in SOURCES.items():
        try:
            source_version(source)
            if name == "kjv-bible" and shutil.which("bible") is None:
                continue
        except SourceMissing:
            continue
        out.append(name)
    return tuple(out)
