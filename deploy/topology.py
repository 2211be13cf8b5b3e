"""The site at scale on one machine, on 127.0.0.1: haproxy on `port` in front of `web` gunicorn
servers (WSGI, `web_workers` processes each) and `ws` daphne servers (websockets, /ws/), with
`workers` job workers, over PostgreSQL and Redis. Benchmarks and tests start it from Python
(`Topology.private()` brings its own PostgreSQL and Redis, so faults done to them touch nothing
else); `scripts/serve-prod` runs `main()` for people.

    with Topology.private(run_dir=tmp) as site:   # after site.prepare(pack) for a fresh database
        requests.get(site.url + "/healthz")
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from deploy import haproxy
from deploy.processes import ROOT, Process, free_port, http_status, reserve_port, tail
from deploy.services import PrivatePostgres, PrivateRedis, create_database, database_ready, ensure_machine_services

MACHINE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/latentpedia"
MACHINE_REDIS_URL = "redis://127.0.0.1:6379/0"
# Two CPUs may boot a dozen Django processes at once.
BOOT_TIMEOUT_S = 120.0
# A job worker asked to stop (SIGTERM) finishes the job in hand first.
WORKER_STOP_S = 60.0


class Topology:
    gunicorn_worker_args: tuple[str, ...] = ("--worker-class", "sync")

    def __init__(self, *, port: int = 8000, web: int = 2, web_workers: int = 2, ws: int = 1, workers: int = 1,
                 database_url: str | None = None, redis_url: str | None = None, run_dir: Path | None = None,
                 extra_env: dict[str, str] | None = None) -> None:
        self.port, self.web, self.web_workers, self.ws, self.workers = port, web, web_workers, ws, workers
        reserve_port(port)
        self._made_run_dir = run_dir is None
        self.run_dir = Path(run_dir) if run_dir is not None else Path(tempfile.mkdtemp(prefix="latentpedia-topology-"))
        if self._made_run_dir:
            # Traversable, not listable: a private PostgreSQL (running as its own user) keeps its
            # cluster in here, and goes with the directory.
            self.run_dir.chmod(0o711)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir = self.run_dir / "logs"
        self.database_url = database_url or MACHINE_DATABASE_URL
        self.redis_url = redis_url or MACHINE_REDIS_URL
        self.extra_env = dict(extra_env or {})
        self._postgres: PrivatePostgres | None = None
        self._redis: PrivateRedis | None = None
        self._web_ports = [free_port() for _ in range(web)]
        self._ws_ports = [free_port() for _ in range(ws)]
        self._stats_socket = self.run_dir / "haproxy.sock"
        if len(str(self._stats_socket)) > 100:  # a Unix socket's path holds at most 107 bytes
            self._stats_socket = Path(tempfile.mkdtemp(prefix="lp-haproxy-")) / "haproxy.sock"
        self._processes: dict[str, Process] = {}
        self._stopped = False

    @classmethod
    def private(cls, **kwargs: Any) -> Topology:
        """A topology with its own PostgreSQL cluster and redis-server on free ports, under run_dir
        (a temporary directory, removed by stop(), when none is given); the balancer too is on a
        free port unless `port` is given, so several can run at once."""
        if kwargs.get("database_url") or kwargs.get("redis_url"):
            raise ValueError("a private topology brings its own database and Redis: pass no URLs")
        kwargs.setdefault("port", free_port())
        topology = cls(**kwargs)
        try:
            topology._postgres = PrivatePostgres(topology.run_dir, free_port())
            topology.database_url = topology._postgres.url("latentpedia")
            topology._redis = PrivateRedis(topology.run_dir, free_port(), env=dict(os.environ))
            topology.redis_url = topology._redis.url
        except BaseException:
            topology.stop()
            raise
        return topology

    # --- what callers read ------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/game/"

    @property
    def is_private(self) -> bool:
        return self._postgres is not None

    @property
    def env(self) -> dict[str, str]:
        """The environment every process of the site gets; a benchmark runs Django with it to
        reach the same database and Redis."""
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "latentpedia.settings",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": self._secret_key(),
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # haproxy appends the client's address to X-Forwarded-For.
            "TRUSTED_PROXY_COUNT": "1",
            "STATIC_ROOT": str(self.run_dir / "static"),
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def _secret_key(self) -> str:
        key = self.extra_env.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
        if key:
            return key
        # Every process must sign with the same key, and sessions should outlive a restart.
        path = self.run_dir / "secret_key"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(50) + "\n")
        return path.read_text().strip()

    # --- services and the database ----------------------------------------------------------

    def _services_up(self) -> None:
        if self._postgres is not None and self._redis is not None:
            if not database_ready(self.database_url):
                self._postgres.start()
            if not self._redis.process.running:
                self._redis.start()
        else:
            ensure_machine_services(self.database_url, self.redis_url)

    def prepare(self, pack: str | None = "packs/demo", *, plant: bool = True, score: bool = True) -> None:
        """Services up, the database created and migrated, static files collected; then `pack`
        imported as the `demo` campaign with its check features planted (unless `plant` is off).
        `score=False` queues no scoring of the imported explanations (an idle worker)."""
        self._services_up()
        create_database(self.database_url)
        argv = [sys.executable, "-m", "deploy.prepare"]
        if pack:
            argv += ["--pack", str(pack)] + ([] if plant else ["--no-plant"]) + ([] if score else ["--no-score"])
        step = Process("prepare", argv, env=self.env, log=self.logs_dir / "prepare.log")
        step.start()
        assert step.popen is not None
        if step.popen.wait() != 0:
            raise RuntimeError(f"preparing the site failed:\n{tail(step.log)}")

    # --- processes --------------------------------------------------------------------------

    def _web_process(self, i: int) -> Process:
        argv = [sys.executable, "-m", "gunicorn", "latentpedia.wsgi:application", "--bind", f"127.0.0.1:{self._web_ports[i]}",
                "--workers", str(self.web_workers), *self.gunicorn_worker_args, "--name", f"latentpedia-web{i}",
                # gunicorn's control socket defaults to one path per user: several servers would fight over it.
                "--no-control-socket", "--timeout", "60", "--graceful-timeout", "10",
                "--access-logfile", "-", "--error-logfile", "-",
                "--logger-class", "deploy.gunicorn_logging.AccessLogWithoutHealthChecks"]
        return Process(f"web{i}", argv, env=self.env, log=self.logs_dir / f"web{i}.log")

    def _ws_process(self, i: int) -> Process:
        argv = [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self._ws_ports[i]), "latentpedia.asgi:application"]
        return Process(f"ws{i}", argv, env=self.env, log=self.logs_dir / f"ws{i}.log")

    def _worker_process(self, i: int) -> Process:
        # Not niced: a worker starved of CPU while it holds a feature's row lock (settling a
        # score) would hold up every request that waits on that lock.
        argv = [sys.executable, "manage.py", "run_worker", "--worker-id", f"topology-{self.port}-{i}"]
        return Process(f"worker{i}", argv, env=self.env, log=self.logs_dir / f"worker{i}.log")

    def _haproxy_process(self) -> Process:
        binary = haproxy.haproxy_binary()
        if binary is None:
            raise RuntimeError("haproxy was not found (apt-get install haproxy)")
        config = self.run_dir / "haproxy.cfg"
        config.write_text(haproxy.render_config(port=self.port, web_ports=self._web_ports, ws_ports=self._ws_ports,
                                                stats_socket=self._stats_socket))
        return Process("haproxy", [binary, "-f", str(config), "-db"], env=dict(os.environ),
                       log=self.logs_dir / "haproxy.log")

    def _answers(self, port: int) -> bool:
        return http_status(f"http://127.0.0.1:{port}/healthz") is not None

    def balancer_states(self) -> dict[str, str]:
        """Each server's state as haproxy sees it: {"web/web0": "UP", "ws/ws0": "DOWN", ...}."""
        return haproxy.server_states(self._stats_socket)

    def _wait_in_rotation(self, server: str, timeout: float = 30.0) -> None:
        proxy = self._processes["haproxy"]
        proxy.wait_until(lambda: self.balancer_states().get(server) == "UP", timeout, f"{server} in rotation")

    def start(self) -> None:
        """Everything, in order: services, backends (each answering), then the balancer; returns
        once /healthz answers 200 through it with every backend in rotation."""
        self._stopped = False
        self._services_up()
        procs = ([self._web_process(i) for i in range(self.web)] + [self._ws_process(i) for i in range(self.ws)]
                 + [self._worker_process(i) for i in range(self.workers)])
        for proc in procs:
            self._processes[proc.name] = proc
            proc.start()
        for i, port in enumerate(self._web_ports):
            self._processes[f"web{i}"].wait_until(lambda p=port: self._answers(p), BOOT_TIMEOUT_S, "answer on /healthz")
        for i, port in enumerate(self._ws_ports):
            self._processes[f"ws{i}"].wait_until(lambda p=port: self._answers(p), BOOT_TIMEOUT_S, "answer on /healthz")
        proxy = self._processes["haproxy"] = self._haproxy_process()
        proxy.start()
        proxy.wait_until(lambda: http_status(self.url + "/healthz") == 200, 30, "200 from /healthz through the balancer")
        for name in [f"web/web{i}" for i in range(self.web)] + [f"ws/ws{i}" for i in range(self.ws)]:
            self._wait_in_rotation(name)
        for i in range(self.workers):
            if not self._processes[f"worker{i}"].running:
                raise RuntimeError(f"worker{i} exited:\n{tail(self._processes[f'worker{i}'].log)}")

    def stop(self) -> None:
        """Every process it started, then its private services (their data deleted); safe to call
        again, or after a start that failed half-way."""
        if self._stopped:
            return
        self._stopped = True
        order = ["haproxy"] + [n for n in self._processes if n != "haproxy"]
        running = [self._processes[n] for n in order if n in self._processes]
        for proc in running:  # all asked at once: they shut down in parallel
            proc.send(signal.SIGTERM)
        for proc in running:
            proc.stop(timeout=WORKER_STOP_S if proc.name.startswith("worker") else 10.0)
        if self._redis is not None:
            self._redis.stop()
        if self._postgres is not None:
            self._postgres.remove()
        if self._stats_socket.parent != self.run_dir:
            shutil.rmtree(self._stats_socket.parent, ignore_errors=True)
        if self._made_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> Topology:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults -----------------------------------------------------------------------------

    def kill_web(self, i: int, sig: int = signal.SIGKILL) -> None:
        """`sig` to web server `i` and its workers; returns once they are gone (SIGKILL after
        10 s). haproxy notices within about a second; requests meanwhile are retried elsewhere."""
        self._processes[f"web{i}"].stop(sig, timeout=10.0)
        # The master is reaped first; a worker still closing the inherited socket could take
        # one more connection and drop it. Gone means the port refuses connections.
        deadline = time.monotonic() + 5.0
        while _listening(self._web_ports[i]) and time.monotonic() < deadline:
            time.sleep(0.01)

    def start_web(self, i: int) -> None:
        """Web server `i` again on its port; returns once haproxy has it back in rotation."""
        proc = self._processes.get(f"web{i}")
        if proc is None or not proc.running:
            proc = self._processes[f"web{i}"] = self._web_process(i)
            proc.start()
        proc.wait_until(lambda: self._answers(self._web_ports[i]), BOOT_TIMEOUT_S, "answer on /healthz")
        self._wait_in_rotation(f"web/web{i}")

    def kill_worker(self, i: int, sig: int = signal.SIGKILL) -> None:
        """`sig` to job worker `i`; returns once it is gone (SIGTERM lets it finish its job,
        SIGKILL follows after a minute)."""
        self._processes[f"worker{i}"].stop(sig, timeout=WORKER_STOP_S)

    def start_worker(self, i: int) -> None:
        """Job worker `i` again (nothing when it is running)."""
        proc = self._processes.get(f"worker{i}")
        if proc is None or not proc.running:
            self._processes[f"worker{i}"] = self._worker_process(i)
            self._processes[f"worker{i}"].start()

    def _private(self, what: str) -> tuple[PrivatePostgres, PrivateRedis]:
        if self._postgres is None or self._redis is None:
            raise RuntimeError(f"{what} only on a private topology (Topology.private()): the machine's services are shared")
        return self._postgres, self._redis

    def restart_redis(self) -> None:
        """Stops Redis and starts it again, empty (cache, rate-limit windows, channel layer)."""
        _, redis = self._private("restart_redis")
        redis.stop()
        redis.start()

    def stop_database(self) -> None:
        postgres, _ = self._private("stop_database")
        postgres.stop("fast")

    def start_database(self) -> None:
        postgres, _ = self._private("start_database")
        postgres.start()

    def restart_exited(self) -> list[str]:
        """Starts again any process of the site that has exited; their names."""
        restarted = []
        for name, proc in list(self._processes.items()):
            if proc.popen is not None and not proc.running:
                self._processes[name] = replacement = Process(name, proc.argv, env=proc.env, log=proc.log)
                replacement.start()
                restarted.append(name)
        return restarted

    def logs(self, chars: int = 3000) -> str:
        """The tail of every process's log (and the services'), for a failing test to print."""
        parts = []
        paths = sorted(self.logs_dir.glob("*.log")) if self.logs_dir.exists() else []
        if self._postgres is not None:
            paths.append(self._postgres.log)
        for path in paths:
            parts.append(f"===== {path.name} ({path}) =====\n{tail(path, chars)}")
        return "\n".join(parts)


# --- scripts/serve-prod -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The production topology on this machine (127.0.0.1).")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")), help="the balancer's port")
    parser.add_argument("--web", type=int, default=2, help="gunicorn servers (HTTP)")
    parser.add_argument("--web-workers", type=int, default=2, help="worker processes per gunicorn server")
    parser.add_argument("--ws", type=int, default=1, help="daphne servers (websockets)")
    parser.add_argument("--workers", type=int, default=1, help="job workers (manage.py run_worker)")
    parser.add_argument("--pack", default=os.environ.get("DEMO_PACK", "packs/demo"), help="the pack to import")
    parser.add_argument("--no-import", action="store_true", help="migrate and collect static files only")
    parser.add_argument("--run-dir", type=Path, default=ROOT / ".run" / "prod", help="logs, haproxy.cfg, secret key")
    args = parser.parse_args(argv)

    topology = Topology(port=args.port, web=args.web, web_workers=args.web_workers, ws=args.ws, workers=args.workers,
                        database_url=os.environ.get("DATABASE_URL") or MACHINE_DATABASE_URL,
                        redis_url=os.environ.get("REDIS_URL") or MACHINE_REDIS_URL, run_dir=args.run_dir)
    stopping = threading.Event()

    def _stop(signum: int, frame: object) -> None:
        stopping.set()
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    t0 = time.monotonic()
    try:
        topology.prepare(None if args.no_import else args.pack)
        topology.start()
        print(f"Ready in {time.monotonic() - t0:.0f}s: open {topology.url}/  ({args.web} gunicorn x {args.web_workers}, "
              f"{args.ws} daphne, {args.workers} worker(s) behind haproxy; logs in {topology.logs_dir})", flush=True)
        while not stopping.is_set():
            stopping.wait(2)
            for name in topology.restart_exited():
                print(f"{name} had exited: started again (see {topology.logs_dir / (name + '.log')})", flush=True)
    except KeyboardInterrupt:
        print("\nStopping ...", flush=True)
    except Exception:
        print(topology.logs(1500), file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        topology.stop()
    return 0


def _listening(port: int) -> bool:
    """Whether anything accepts connections on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


if __name__ == "__main__":
    raise SystemExit(main())

