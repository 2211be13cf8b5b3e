"""A standalone HTTP server for one pack's model: the web tier calls it when `INFERENCE_URL` is
set, so the model can live on a GPU machine. It needs no Django and no database.

    python -m inference_client.server --pack packs/demo --host 127.0.0.1 --port 8765 \
        --sources-dir /srv/latentpedia/sources

Sources uploaded after start-up (overlay packs, `pipeline/uploaded_source.py`) are loaded on
their first request from `<sources-dir>/<model slug>/<source slug>/` (default
$INFERENCE_SOURCES_DIR; none: only the pack's own sources). A source not there is a 404 as
before; /health and a /search without `sources` cover the sources loaded so far.

Routes (JSON in and out, errors as {"error", "field"?} with a 4xx status):
    GET  /health       {model, name, device, max_tokens, sources: [{slug, kind, hook_point, width}]}
    POST /activation   {model, source, index, text} -> {tokens, values, max_value}
    POST /search       {model, text, sources?, sort_by_token_indexes?, num_results?} -> {tokens, results}
    POST /steer        {model, source, index, prompt, strength, seed?, max_new_tokens?}
                       -> {default, steered, default_tokens, steered_tokens, prompt_tokens}
"""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from inference_client.engine import InferenceEngine, directory_finder
from inference_client.errors import InferenceError

log = logging.getLogger("inference_client.server")

MAX_BODY_BYTES = 1_000_000
MAX_RESULTS = 100
_KINDS = {str: "a string", int: "an integer", list: "a list"}


class InferenceServer(ThreadingHTTPServer):
    daemon_threads = True  # a stuck client must not keep the process from exiting

    def __init__(self, address: tuple[str, int], engine: InferenceEngine) -> None:
        super().__init__(address, InferenceHandler)
        self.engine = engine


def _activation(engine: InferenceEngine, body: Any) -> dict[str, Any]:
    _check_model(engine, _field(body, "model", str))
    index = _field(body, "index", int)
    if index < 0:
        raise InferenceError("'index' is a feature number (0 or more).", field="index")
    return engine.feature_activation(_field(body, "text", str), _field(body, "source", str), index)


def _search(engine: InferenceEngine, body: Any) -> dict[str, Any]:
    _check_model(engine, _field(body, "model", str))
    sources = _field(body, "sources", list, optional=True)
    positions = _field(body, "sort_by_token_indexes", list, optional=True)
    num_results = _field(body, "num_results", int, optional=True)
    if sources is not None and not all(isinstance(s, str) for s in sources):
        raise InferenceError("'sources' is a list of source names.", field="sources")
    if positions is not None and not all(isinstance(i, int) and not isinstance(i, bool) for i in positions):
        raise InferenceError("'sort_by_token_indexes' is a list of token positions.", field="sort_by_token_indexes")
    if num_results is not None and not 1 <= num_results <= MAX_RESULTS:
        raise InferenceError(f"'num_results' is from 1 to {MAX_RESULTS}.", field="num_results")
    return engine.search_all(_field(body, "text", str), sources, positions, num_results or 25)


def _steer(engine: InferenceEngine, body: Any) -> dict[str, Any]:
    _check_model(engine, _field(body, "model", str))
    index = _field(body, "index", int)
    if index < 0:
        raise InferenceError("'index' is a feature number (0 or more).", field="index")
    strength = body.get("strength") if isinstance(body, dict) else None
    if not isinstance(strength, (int, float)) or isinstance(strength, bool):
        raise InferenceError("Give 'strength' as a number.", field="strength")
    seed = _field(body, "seed", int, optional=True)
    new_tokens = _field(body, "max_new_tokens", int, optional=True)
    return engine.steer(_field(body, "prompt", str), _field(body, "source", str), index, float(strength),
                        seed=seed or 0, max_new_tokens=new_tokens or 32)


def _field(body: Any, name: str, kind: type, *, optional: bool = False) -> Any:
    """The web tier (`research/`) checks requests fully; this server only refuses what would
    break the engine, naming the field."""
    if not isinstance(body, dict):
        raise InferenceError("The request body must be a JSON object.")
    value = body.get(name)
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise InferenceError(f"Give {name!r} as {_KINDS[kind]}.", field=name)
    return value


def _check_model(engine: InferenceEngine, slug: str) -> None:
    if slug != engine.model_slug:
        raise InferenceError(f"This server runs model {engine.model_slug}, not {slug}.", status=404, field="model")


POST_ROUTES: dict[str, Callable[[InferenceEngine, Any], dict[str, Any]]] = {
    "/activation": _activation,
    "/search": _search,
    "/steer": _steer,
}


class InferenceHandler(BaseHTTPRequestHandler):
    server: InferenceServer
    server_version = "LatentpediaInference/1"
    # Headers and body go out in two writes; with Nagle's algorithm the second waits for the
    # client's delayed ACK (~40 ms a request on Linux).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        if self.path.split("?")[0] == "/health":
            self._send(200, self.server.engine.describe())
        else:
            self._send(404, {"error": f"No route GET {self.path}; use GET /health, POST /activation, POST /search or POST /steer."})

    def do_POST(self) -> None:
        route = POST_ROUTES.get(self.path.split("?")[0])
        if route is None:
            self._send(404, {"error": f"No route POST {self.path}; use POST /activation, POST /search or POST /steer."})
            return
        try:
            self._send(200, route(self.server.engine, self._json_body()))
        except InferenceError as exc:
            self._send(exc.status, exc.as_dict())
        except Exception:
            log.exception("inference failed on POST %s", self.path)
            self._send(500, {"error": "The inference server failed on this request; see its log."})

    def _json_body(self) -> Any:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise InferenceError("Content-Length is not a number.") from None
        if length <= 0:
            raise InferenceError("Send a JSON object as the request body.")
        if length > MAX_BODY_BYTES:
            # Read nothing more: the connection closes after this answer.
            self.close_connection = True
            raise InferenceError(f"The request body is over {MAX_BODY_BYTES} bytes.", status=413)
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise InferenceError("The request body is not valid JSON.") from None

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        log.info("%s %s", self.address_string(), format % args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve one pack's model over HTTP for Latentpedia.")
    parser.add_argument("--pack", required=True, help="pack directory (with pack.json)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--device", default=None, help="cpu or cuda (default: $INFERENCE_DEVICE, else cuda if available)")
    parser.add_argument("--max-tokens", type=int, default=None, help="default: $INFERENCE_MAX_TOKENS or 1024")
    parser.add_argument("--sources-dir", default=os.environ.get("INFERENCE_SOURCES_DIR") or None,
                        help="where uploaded sources appear, as <dir>/<model slug>/<source slug>/pack.json "
                             "(default: $INFERENCE_SOURCES_DIR)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's choice; 1 is often fastest for small models on busy CPUs)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = InferenceEngine.from_pack(args.pack, device=args.device, max_tokens=args.max_tokens)
    if args.sources_dir:
        # The model's slug, which names its folder of sources, is known once its pack is read.
        engine.find_source = directory_finder(Path(args.sources_dir), engine.model_slug)
    server = InferenceServer((args.host, args.port), engine)
    host, port = server.server_address[:2]
    log.info("serving %s on %s with %s on http://%s:%s%s", engine.model_slug, engine.device,
             ", ".join(engine.sources), host, port,
             f" (uploaded sources from {args.sources_dir})" if args.sources_dir else "")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
