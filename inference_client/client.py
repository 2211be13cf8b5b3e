"""How the web tier runs a model, configured from the Django settings: through the inference
server when `settings.INFERENCE_URL` is set (the model can then live on a GPU machine), else in
this process from the model's pack.

The one module of inference_client that imports Django (the import-linter contract in
`.importlinter` allows this file only): the engine, the server and the HTTP client in
`backends` run without it, e.g. on a GPU machine with no project settings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from inference_client.backends import Inference, inference_for


def get_inference(model: Any) -> Inference:
    """The way to run `model` (a catalogue row with `slug` and `pack_path`): HTTP or in-process."""
    pack_path = model.pack_path
    if pack_path and not Path(pack_path).is_absolute():
        pack_path = Path(settings.BASE_DIR) / pack_path
    return inference_for(
        model.slug, pack_path,
        url=getattr(settings, "INFERENCE_URL", ""),
        timeout=float(getattr(settings, "INFERENCE_TIMEOUT", 30)),
        max_tokens=settings.INFERENCE_MAX_TOKENS,
        find_source=_source_finder(model.slug),
    )


def _source_finder(model_slug: str) -> Callable[[str], Path | None] | None:
    """Where this process finds sources published after its engine loaded (uploaded SAEs): the
    function named by `INFERENCE_SOURCE_FINDER`, (model slug, source slug) -> overlay pack
    directory or None. Named in the settings, so this library imports no web app."""
    dotted = getattr(settings, "INFERENCE_SOURCE_FINDER", "")
    if not dotted:
        return None
    finder = import_string(dotted)
    return lambda source_slug: finder(model_slug, source_slug)
