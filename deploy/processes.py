"""One long-running child process: its own process group (so a kill takes its children too, as
a machine dying would), its output appended to a log file, and a wait until it answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


# The kernel hands a just-released port out again readily: never give the same one twice.
_handed_out: set[int] = set()


def free_port() -> int:
    """A port nothing listens on now, and not one this process already handed out."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _handed_out:
            _handed_out.add(port)
            return port


def reserve_port(port: int) -> None:
    """`port` is taken (chosen elsewhere): free_port() will not return it."""
    _handed_out.add(port)


def http_status(url: str, timeout: float = 5.0) -> int | None:
    """The status `url` answers with, or None when nothing answers."""
    # No proxy: a machine's http_proxy must not swallow requests to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except (OSError, urllib.error.URLError):
        return None


def tail(path: Path, chars: int = 4000) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - chars))
            return fh.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


class Process:
    """`argv` run from the repository root with `env`, output in `log` (appended across restarts)."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.popen: subprocess.Popen | None = None
        self._swept = False

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self._swept = False
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            out.write(f"--- {time.strftime('%H:%M:%S')} starting: {' '.join(self.argv)}\n".encode())
            out.flush()
            self.popen = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.STDOUT, start_new_session=True)

    def send(self, sig: int) -> None:
        # Once swept, the group id may belong to strangers some day.
        if self.popen is None or self._swept:
            return
        try:
            os.killpg(self.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """`sig` to the whole group, then SIGKILL after `timeout`; returns once it has exited.
        Also sweeps the group: children a killed parent left behind (gunicorn's workers) would
        keep serving on the inherited socket."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self.send(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.send(signal.SIGKILL)
        self.popen.wait()
        self._swept = True

    def wait_until(self, ready: Callable[[], bool], timeout: float, what: str) -> None:
        """Until `ready()`; the log's tail in the error when the process exits or time runs out."""
        deadline = time.monotonic() + timeout
        while not ready():
            if not self.running:
                raise RuntimeError(f"{self.name} exited before {what}:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no {what} within {timeout:g} s:\n{tail(self.log)}")
            time.sleep(0.1)
