"""The two ways to reach a model, with the same calls and the same answers: over HTTP
from `inference_client.server`, or the engine in this process (one per pack per process).

Both raise `InferenceError` with the HTTP status to answer: 4xx for the caller's mistakes,
502/503 when the model cannot be reached. No Django here: configuration comes in as
arguments (`inference_client.client` reads it from the settings).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from inference_client.errors import InferenceError


class Inference(Protocol):
    def feature_activation(self, text: str, source: str, index: int) -> dict[str, Any]: ...

    def steer(self, prompt: str, source: str, index: int, strength: float, *, seed: int = 0,
              max_new_tokens: int = 32) -> dict[str, Any]: ...

    def search_all(
        self, text: str, sources: list[str] | None = None, sort_by_token_indexes: list[int] | None = None,
        num_results: int = 25,
    ) -> dict[str, Any]: ...


class HttpInference:
    """Calls `inference_client.server` for one model."""

    def __init__(self, base_url: str, model_slug: str, *, timeout: float = 30.0) -> None:
        self.base_url, self.model_slug, self.timeout = base_url.rstrip("/"), model_slug, timeout

    def feature_activation(self, text: str, source: str, index: int) -> dict[str, Any]:
        return self._post("/activation", {"model": self.model_slug, "source": source, "index": index, "text": text})

    def search_all(
        self, text: str, sources: list[str] | None = None, sort_by_token_indexes: list[int] | None = None,
        num_results: int = 25,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model_slug, "text": text, "num_results": num_results}
        if sources:
            body["sources"] = sources
        if sort_by_token_indexes:
            body["sort_by_token_indexes"] = sort_by_token_indexes
        return self._post("/search", body)

    def steer(self, prompt: str, source: str, index: int, strength: float, *, seed: int = 0,
              max_new_tokens: int = 32) -> dict[str, Any]:
        return self._post("/steer", {"model": self.model_slug, "source": source, "index": index, "prompt": prompt,
                                     "strength": strength, "seed": seed, "max_new_tokens": max_new_tokens})

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base_url + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise _from_http_error(exc) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise InferenceError(
                f"The inference server is unavailable ({reason}); try again later.", status=503
            ) from None
        except ValueError:
            raise InferenceError("The inference server sent an answer that is not JSON.", status=502) from None


def _from_http_error(exc: urllib.error.HTTPError) -> InferenceError:
    try:
        payload = json.loads(exc.read())
        message, field = str(payload["error"]), payload.get("field")
    except (ValueError, KeyError, TypeError, OSError):
        message, field = f"The inference server answered {exc.code}.", None
    if exc.code >= 500:
        # The server's own failure: a bad gateway from the web tier's point of view.
        return InferenceError(f"The inference server failed: {message}", status=502)
    return InferenceError(message, status=exc.code, field=field)


class LocalInference:
    """Runs the engine in this process (the engine brings its own lock)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def feature_activation(self, text: str, source: str, index: int) -> dict[str, Any]:
        return self.engine.feature_activation(text, source, index)

    def search_all(
        self, text: str, sources: list[str] | None = None, sort_by_token_indexes: list[int] | None = None,
        num_results: int = 25,
    ) -> dict[str, Any]:
        return self.engine.search_all(text, sources, sort_by_token_indexes, num_results)

    def steer(self, prompt: str, source: str, index: int, strength: float, *, seed: int = 0,
              max_new_tokens: int = 32) -> dict[str, Any]:
        return self.engine.steer(prompt, source, index, strength, seed=seed, max_new_tokens=max_new_tokens)


# One engine per pack directory per process: its model is read-only once loaded, and it adds
# uploaded sources to itself (its own lock) as they are first asked for.
_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


def engine_for_pack(pack_path: str | Path, *, max_tokens: int,
                    find_source: Callable[[str], Path | None] | None = None) -> Any:
    """The process's engine for the pack. `find_source` (slug -> overlay pack directory or None)
    lets it load sources published later; an engine cached without one is given this one."""
    # Imported here: torch is heavy, and a web tier with a remote server never needs it.
    from inference_client.engine import InferenceEngine

    key = str(Path(pack_path).resolve())
    with _engines_lock:  # held while loading, so two requests never load the same pack twice
        engine = _engines.get(key)
        if engine is not None and engine.find_source is None and find_source is not None:
            engine.find_source = find_source
        if engine is None:
            try:
                engine = InferenceEngine.from_pack(key, max_tokens=max_tokens, find_source=find_source)
            except InferenceError:
                raise
            except (OSError, ValueError, KeyError) as exc:
                raise InferenceError(
                    f"The model's pack at {key} cannot be run here ({exc.__class__.__name__}: {exc}).", status=503
                ) from None
            _engines[key] = engine
    return engine


def inference_for(model_slug: str, pack_path: str | Path, *, url: str = "", timeout: float = 30.0,
                  max_tokens: int = 1024, find_source: Callable[[str], Path | None] | None = None) -> Inference:
    """The server at `url` when one is given (it finds uploaded sources itself: its
    `--sources-dir`), else the pack at `pack_path` run in this process, finding sources
    published after it loaded with `find_source`."""
    if url:
        return HttpInference(url, model_slug, timeout=timeout)
    if not pack_path:
        raise InferenceError(f"Model {model_slug} has no pack to run, and no inference server is set.", status=503)
    path = Path(pack_path)
    if not (path / "pack.json").exists():
        raise InferenceError(f"Model {model_slug}'s pack is missing at {path}.", status=503)
    return LocalInference(engine_for_pack(path, max_tokens=max_tokens, find_source=find_source))
