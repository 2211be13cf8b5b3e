"""A small OpenAI-compatible HTTP server for tests, on 127.0.0.1 in a thread.

Each request takes the next scripted reply: a function of the request body returning a
`Reply`. Shapes follow the real API (`/v1/chat/completions`, `/v1/completions`, `usage`).
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict → JSON; str → sent as is
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


Script = Callable[[dict], Reply]


def _usage(prompt_tokens: int, completion_tokens: int) -> dict:
    return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}


def _lp(token: str, logprob: float) -> dict:
    return {"token": token, "logprob": logprob, "bytes": list(token.encode())}


def chat(content: str, *, logprobs: list[tuple[str, dict[str, float]]] | None = None,
         usage: tuple[int, int] = (1000, 100)) -> Script:
    """A chat completion with `content` (and, if given, per-token logprobs)."""

    def reply(request: dict) -> Reply:
        choice: dict[str, Any] = {"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": content}, "logprobs": None}
        if logprobs is not None:
            choice["logprobs"] = {"content": [
                {**_lp(tok, max(alts.values(), default=0.0)), "top_logprobs": [_lp(t, lp) for t, lp in alts.items()]}
                for tok, alts in logprobs
            ], "refusal": None}
        return Reply(body={"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
                           "model": request.get("model", "test-model"), "choices": [choice], "usage": _usage(*usage)})

    return reply


def chat_logprob_lines(lines: list[list[dict[str, float]]], **kw) -> Script:
    """A chat reply whose tokens are numbers, one line per list; each number comes with
    its alternatives (the token itself is the most likely alternative)."""
    toks: list[tuple[str, dict[str, float]]] = []
    for li, line in enumerate(lines):
        for i, alts in enumerate(line):
            best = max(alts, key=alts.get)
            toks.append(((" " if i else "") + best, {(" " if i else "") + t: lp for t, lp in alts.items()}))
        if li < len(lines) - 1:
            toks.append(("\n", {"\n": 0.0}))
    return chat("".join(t for t, _ in toks), logprobs=toks, **kw)


_PIECES = re.compile(r"\w+|\s|[^\w\s]")


def echo_completion(value_for: Callable[[int], dict[str, float]], usage: tuple[int, int] = (900, 1)) -> Script:
    """A completions reply with echo: the prompt split into word/space/symbol tokens; each
    "unknown" token (the n-th) gets alternatives `value_for(n)`."""

    def reply(request: dict) -> Reply:
        prompt = request["prompt"]
        tokens, offsets, tops = [], [], []
        n = 0
        for m in _PIECES.finditer(prompt):
            tokens.append(m.group())
            offsets.append(m.start())
            if m.group() == "unknown":
                tops.append(value_for(n))
                n += 1
            else:
                tops.append({m.group(): 0.0})
        tokens.append("<end>")
        offsets.append(len(prompt))
        tops.append({"<end>": 0.0})
        return Reply(body={"id": "cmpl-test", "object": "text_completion", "created": int(time.time()),
                           "model": request.get("model"), "usage": _usage(*usage),
                           "choices": [{"index": 0, "text": prompt + "<end>", "finish_reason": "length",
                                        "logprobs": {"tokens": tokens, "text_offset": offsets,
                                                     "token_logprobs": [None] + [0.0] * (len(tokens) - 1),
                                                     "top_logprobs": tops}}]})

    return reply


def status(code: int, message: str = "error", headers: dict[str, str] | None = None) -> Script:
    return lambda request: Reply(status=code, headers=headers or {},
                                 body={"error": {"message": message, "type": "test_error", "code": None}})


def sleep(seconds: float) -> Script:
    return lambda request: Reply(delay_s=seconds, body={"error": {"message": "too late"}})


def raw(text: str) -> Script:
    return lambda request: Reply(body=text)


def logprob(p: float) -> float:
    return math.log(p)


class FakeOpenAI:
    def __init__(self) -> None:
        self.script: deque[Script] = deque()
        self.requests: list[tuple[str, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                fake.requests.append((self.path, body))
                if self.path not in ("/v1/chat/completions", "/v1/completions"):
                    reply = status(404, f"no route {self.path}")(body)
                elif not fake.script:
                    reply = status(500, "the test scripted no more replies")(body)
                else:
                    reply = fake.script.popleft()(body)
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(data.encode())))
                    self.end_headers()
                    self.wfile.write(data.encode())
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def push(self, *replies: Script) -> None:
        self.script.extend(replies)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
