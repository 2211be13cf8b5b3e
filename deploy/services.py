"""PostgreSQL and Redis for a topology: a private pair on free ports (faults done to them touch
nothing else on the machine), or the machine's own, started when they are not answering."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from deploy.processes import Process

PG_USER = "postgres"


def pg_bin_dir() -> Path | None:
    """Where initdb and pg_ctl live: $PG_BIN, Debian's newest /usr/lib/postgresql/N/bin, or PATH."""
    candidates = [os.environ.get("PG_BIN", "")]
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True)
    found = shutil.which("initdb")
    candidates.append(str(Path(found).parent) if found else "")
    for c in candidates:
        if c and (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def redis_server() -> str | None:
    return shutil.which("redis-server")


def answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redis_ping(url: str, timeout: float = 1.0) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=timeout) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def database_ready(url: str, timeout: float = 2.0) -> bool:
    """Whether the server behind `url` accepts a login (to its maintenance database)."""
    import psycopg

    try:
        with psycopg.connect(_conninfo(url, dbname="postgres"), connect_timeout=max(1, int(timeout))):
            return True
    except psycopg.Error:
        return False


def _conninfo(url: str, *, dbname: str | None = None) -> str:
    from psycopg.conninfo import make_conninfo

    parts = urlsplit(url)
    return make_conninfo(host=parts.hostname or "127.0.0.1", port=parts.port or 5432,
                         user=unquote(parts.username or PG_USER), password=unquote(parts.password or "") or None,
                         dbname=dbname or unquote(parts.path.lstrip("/")))


def create_database(url: str) -> bool:
    """Creates the database `url` names when it is missing; whether it did."""
    import psycopg
    from psycopg import sql

    name = unquote(urlsplit(url).path.lstrip("/"))
    with psycopg.connect(_conninfo(url, dbname="postgres"), autocommit=True, connect_timeout=5) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.DuplicateDatabase:  # another process created it meanwhile
            return False
    return True


def ensure_machine_services(database_url: str, redis_url: str) -> None:
    """Starts this machine's PostgreSQL cluster and Redis when the URLs point at them (local host,
    default port) and nothing answers, as .ci/run does; anything else is left alone."""
    db, cache = urlsplit(database_url), urlsplit(redis_url)
    local = {"127.0.0.1", "localhost", "::1"}
    if db.hostname in local and (db.port or 5432) == 5432 and not answers("127.0.0.1", 5432):
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
        if versions and shutil.which("pg_ctlcluster"):
            print("PostgreSQL is not answering on 127.0.0.1:5432: starting it", flush=True)
            subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], check=False)
    if cache.hostname in local and (cache.port or 6379) == 6379 and not redis_ping(redis_url) and redis_server():
        print("Redis is not answering on 127.0.0.1:6379: starting it", flush=True)
        subprocess.run([redis_server(), "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
                        "--save", "", "--appendonly", "no"], check=False, cwd=tempfile.gettempdir())
    _wait(lambda: database_ready(database_url), 30, "PostgreSQL at " + (db.hostname or ""))
    _wait(lambda: redis_ping(redis_url), 10, "Redis at " + (cache.hostname or ""))


def _wait(ready, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} is not answering")
        time.sleep(0.2)


class PrivatePostgres:
    """A throwaway cluster: trust authentication on 127.0.0.1:`port`, data under `root`, which
    `remove()` deletes. Run as the postgres user when we are root (the server refuses root)."""

    def __init__(self, run_dir: Path, port: int) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL's initdb and pg_ctl were not found (apt-get install postgresql, or set PG_BIN)")
        self.bin, self.port = bin_dir, port
        self.as_root = os.geteuid() == 0
        self.root = self._make_root(run_dir)
        self.data, self.log = self.root / "data", self.root / "server.log"

    def url(self, dbname: str) -> str:
        return f"postgres://{PG_USER}@127.0.0.1:{self.port}/{dbname}"

    def _cmd(self, *argv: str) -> list[str]:
        return ["runuser", "-u", PG_USER, "--", *argv] if self.as_root else list(argv)

    def _make_root(self, run_dir: Path) -> Path:
        root = run_dir / "postgres"
        if not self.as_root:
            root.mkdir(parents=True, exist_ok=True)
            return root
        # The postgres user must reach the directory through every parent; a run dir under
        # pytest's (mode 0700) is out of its reach, so the cluster then lives in /tmp.
        root.mkdir(parents=True, exist_ok=True)
        shutil.chown(root, PG_USER, PG_USER)
        if subprocess.run(self._cmd("test", "-w", str(root)), check=False).returncode == 0:
            return root
        root.rmdir()
        elsewhere = Path(tempfile.mkdtemp(prefix="latentpedia-pg-"))
        shutil.chown(elsewhere, PG_USER, PG_USER)
        root.symlink_to(elsewhere)
        return elsewhere

    def init(self) -> None:
        if (self.data / "PG_VERSION").exists():
            return
        # --no-sync: a cluster that lives as long as one run need not survive a power cut.
        subprocess.run(self._cmd(str(self.bin / "initdb"), "-D", str(self.data), "-U", PG_USER, "--auth=trust",
                                 "-E", "UTF8", "--no-sync", "--no-instructions"),
                       check=True, capture_output=True)

    @property
    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def start(self) -> None:
        self.init()
        # TCP only: a socket file's path has a length limit that a deep run directory exceeds.
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200"
        result = subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
                                          "-l", str(self.log), "-o", options), check=False, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {result.stdout}{result.stderr}\n{self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        if not self.running:
            return
        subprocess.run(self._cmd(str(self.bin / "pg_ctl"), "stop", "-w", "-t", "60", "-m", mode, "-D", str(self.data)),
                       check=False, capture_output=True)

    def remove(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self, chars: int = 3000) -> str:
        from deploy.processes import tail

        return tail(self.log, chars)


class PrivateRedis:
    """redis-server on 127.0.0.1:`port`, nothing persisted: a restart starts empty, as a replaced
    cache machine would."""

    def __init__(self, run_dir: Path, port: int, env: dict[str, str]) -> None:
        server = redis_server()
        if server is None:
            raise RuntimeError("redis-server was not found (apt-get install redis-server)")
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        work = run_dir / "redis"
        work.mkdir(parents=True, exist_ok=True)
        self.process = Process("redis", [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--dir", str(work)],
                               env=env, log=run_dir / "logs" / "redis.log")

    def start(self) -> None:
        self.process.start()
        self.process.wait_until(lambda: redis_ping(self.url), 20, "PING answer")

    def stop(self) -> None:
        self.process.stop()
