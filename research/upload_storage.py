"""Where uploaded SAEs and the sources built from them are kept: the "sae_uploads" storage
(a local folder by default, object storage at scale). Layout:

    uploads/<upload id>/cfg.json, sae_weights.safetensors    what the researcher sent
    sources/<model slug>/<source slug>/...                   the built overlay pack

Every web, worker and inference host reads the same storage; a host whose storage is not a
local folder copies a source into `SAE_UPLOADS_CACHE` before loading it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages

CFG_NAME = "cfg.json"
WEIGHTS_NAME = "sae_weights.safetensors"


def storage() -> Storage:
    return storages["sae_uploads"]


def source_prefix(model_slug: str, source_slug: str) -> str:
    return f"sources/{model_slug}/{source_slug}"


def save_file(name: str, content: File) -> None:
    """Store `content` at exactly `name`, replacing what was there (a retried job writes again)."""
    store = storage()
    if store.exists(name):
        store.delete(name)
    saved = store.save(name, content)
    if saved != name:  # a storage that renames on collision would lose the layout
        raise OSError(f"the storage kept {name!r} as {saved!r}")


def _files(prefix: str) -> list[str]:
    store = storage()
    try:
        dirs, files = store.listdir(prefix)
    except FileNotFoundError:
        return []
    found = [f"{prefix}/{f}" for f in files]
    for d in dirs:
        found.extend(_files(f"{prefix}/{d}"))
    return found


def fetch(prefix: str, dest: Path) -> Path:
    """Copy every file under `prefix` into `dest` (kept relative), and return `dest`."""
    store = storage()
    dest.mkdir(parents=True, exist_ok=True)
    for name in _files(prefix):
        target = dest / name[len(prefix) + 1:]
        target.parent.mkdir(parents=True, exist_ok=True)
        with store.open(name, "rb") as src, target.open("wb") as out:
            shutil.copyfileobj(src, out, length=1 << 20)
    return dest


def publish(local_dir: Path, prefix: str) -> int:
    """Copy a directory tree into the storage under `prefix`; pack.json last, so a reader that
    finds it finds every other file already there. Returns the number of files."""
    files = sorted(p for p in local_dir.rglob("*") if p.is_file())
    files.sort(key=lambda p: p.name == "pack.json")
    for path in files:
        with path.open("rb") as fh:
            save_file(f"{prefix}/{path.relative_to(local_dir).as_posix()}", File(fh))
    return len(files)


def local_source_dir(model_slug: str, source_slug: str) -> Path | None:
    """A directory on this host holding the source's overlay pack, or None if none was published."""
    prefix = source_prefix(model_slug, source_slug)
    store = storage()
    if isinstance(store, FileSystemStorage):
        path = Path(store.path(prefix))  # a local folder: read in place
    else:
        path = Path(settings.SAE_UPLOADS_CACHE) / model_slug / source_slug
        if not (path / "pack.json").exists():
            if not store.exists(f"{prefix}/pack.json"):
                return None
            building = path.with_name(path.name + ".fetching")
            shutil.rmtree(building, ignore_errors=True)
            fetch(prefix, building)
            shutil.rmtree(path, ignore_errors=True)
            building.rename(path)
    return path if (path / "pack.json").exists() else None
