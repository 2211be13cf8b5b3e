"""Real server processes for tests: a free port, waiting until one answers, and a set of
daphne processes that are always stopped (their output printed, shown when a test fails)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 60, *, log: Path | None = None) -> None:
    """Until something accepts connections on `port`; the process's output if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(errors="replace") if log else (proc.stdout.read().decode(errors="replace")
                                                               if proc.stdout else "")
            raise RuntimeError(f"server exited:\n{out[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listened on {port}")


def stop(procs: list[subprocess.Popen], *, show_output: bool = True) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if show_output and proc.stdout:
            print(proc.stdout.read().decode(errors="replace")[-3000:])


@contextmanager
def daphnes(n: int, env: dict[str, str], *, ready=wait_listening) -> Iterator[list[int]]:
    """`n` daphne processes serving the site with `env`; yields their ports."""
    ports = [free_port() for _ in range(n)]
    procs = [
        subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(p), "latentpedia.asgi:application"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for p in ports
    ]
    try:
        for p, proc in zip(ports, procs):
            ready(p, proc)
        yield ports
    finally:
        stop(procs)
