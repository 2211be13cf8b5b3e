"""haproxy: the configuration from deploy/haproxy.cfg.template, and what it thinks of each server
(its stats socket)."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("haproxy.cfg.template")


def haproxy_binary() -> str | None:
    return shutil.which("haproxy") or next((p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
                                            if Path(p).exists()), None)


def render_config(*, port: int, web_ports: list[int], ws_ports: list[int], stats_socket: Path) -> str:
    def servers(prefix: str, ports: list[int]) -> str:
        return "\n".join(f"    server {prefix}{i} 127.0.0.1:{p} check" for i, p in enumerate(ports))

    # No per-server maxconn: queueing in haproxy for `web_workers` slots answered 503 "no server
    # available" to writes while a killed server was being taken out (measured in the fault
    # test); requests wait in gunicorn's backlog instead, and checks allow for that (below).
    return Template(TEMPLATE.read_text()).substitute(
        port=port, stats_socket=stats_socket, web_servers=servers("web", web_ports), ws_servers=servers("ws", ws_ports),
    )


def command(stats_socket: Path, line: str, timeout: float = 2.0) -> str:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(stats_socket))
        s.sendall(line.encode() + b"\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def server_states(stats_socket: Path) -> dict[str, str]:
    """{"web/web0": "UP", "ws/ws0": "DOWN", ...}: each server's state as haproxy sees it."""
    try:
        csv = command(stats_socket, "show stat")
    except OSError:
        return {}
    lines = [line for line in csv.splitlines() if line and not line.startswith("#")]
    states = {}
    for line in lines:
        fields = line.split(",")
        if len(fields) > 17 and fields[1] not in ("FRONTEND", "BACKEND"):
            states[f"{fields[0]}/{fields[1]}"] = fields[17].split(" ")[0]
    return states
