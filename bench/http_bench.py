"""HTTP throughput of the game's hot routes, against a bare "hello" view served by the same
process in the same run, so the ratio says what the app's own work costs on this machine.

    .venv/bin/python -m bench.http_bench [--quick] [--topology start|prod|both] [--work-dir DIR]

(A module, run with -m: named `http.py` it would shadow the standard library's `http` for every
script in bench/ run by its path, such as `python bench/startup.py`.)

Topologies:
- `start`: what `scripts/start` runs. A fresh SQLite database in a temporary directory,
  `migrate`, `collectstatic`, `import_pack packs/demo --campaign demo`, `plant_features`, then
  `manage.py serve --noreload` (daphne with the job worker in the same process).
- `prod`: `deploy.topology.Topology.private()`: haproxy in front of gunicorn workers, PostgreSQL,
  Redis and a separate job worker.
Both serve the site's URLconf with `/bench/hello` prepended (`LATENTPEDIA_URLCONF=bench.hello_site`).
Before measuring, the bench waits until the worker has scored the start-up queue (the import
queues every baseline explanation: about half an hour of scoring here), so that the scorer does
not compete with the requests; `--work-dir DIR` keeps the prepared `start` database in DIR and
reuses it (queue already drained) on the next run.

Load: wrk (32 connections, 2 threads, 10 s a route, 3 s with --quick, after a 1 s warm-up) with
bench/wrk_rotate.lua: every request is sent as the next of `--players` logged-in players (their
session cookie; every fourth hides explicit clues) with their own X-Forwarded-For address, so
rate limits stay on and count each player apart, as in production. Any answer other than 2xx,
socket error or timeout on a measured route makes the run invalid (said on stdout and in the
JSON): 429s would make a route look fast. Routes: `/bench/hello` (measured first and last; the
ratios divide by the mean of the two), `GET /api/puzzle/next`, `GET /api/feature/{model}/
{source}/{index}` over 50 features. The feature page: time to first byte with one client
(`Connection: close`, the connect not counted) for the largest of the pages likeliest to be
large, over 30 requests.

wrk's latency is a closed loop's: each connection waits for its answer before the next request,
so p99 under overload is the queue's length, not a single request's cost.

Writes bench/results/http.json (or --out) and prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from deploy.processes import Process, free_port, http_status, tail

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "http.json"
LUA_SCRIPT = ROOT / "bench" / "wrk_rotate.lua"
WRK_MARKER = "WRK_JSON "
HELLO_PATH = "/bench/hello"
HELLO_URLCONF = "bench.hello_site"
# The per-user puzzle budget (game/services/ratelimit.py, "puzzle:user"): per fixed minute.
PUZZLE_LIMIT_PER_MINUTE = 60
ROUTE_LABELS = {
    "hello": f"GET {HELLO_PATH}",
    "puzzle_next": "GET /api/puzzle/next",
    "feature_api": "GET /api/feature/{m}/{s}/{i}",
    "hello_again": f"GET {HELLO_PATH} (again)",
}


@dataclass
class Config:
    seconds: float = 10.0
    warmup_s: float = 1.0
    connections: int = 32
    threads: int = 2
    players: int = 300
    explicit_every: int = 4  # every n-th player hides explicit clues
    features: int = 50
    page_candidates: int = 24
    ttfb_requests: int = 30
    drain_timeout_s: float = 3600.0
    wrk_timeout_s: int = 60  # wrk drops slower answers from its latency figures: keep it far out


@dataclass
class Player:
    cookie: str
    address: str
    hide_explicit: bool = False


class Site(Protocol):
    """What the bench needs of a running site (deploy.topology.Topology has it too)."""

    @property
    def url(self) -> str: ...

    @property
    def env(self) -> dict[str, str]: ...


# --- wrk ------------------------------------------------------------------------------------------


def parse_wrk(stdout: str) -> dict[str, Any]:
    """The JSON line wrk_rotate.lua's done() prints."""
    for line in stdout.splitlines():
        if line.startswith(WRK_MARKER):
            return json.loads(line[len(WRK_MARKER):])
    raise ValueError(f"no {WRK_MARKER.strip()} line in wrk's output:\n{stdout[-2000:]}")


def route_figures(raw: dict[str, Any]) -> dict[str, Any]:
    """Requests/s, latency percentiles in ms, and every answer that was not a 2xx."""
    seconds = raw["duration_us"] / 1e6
    requests = raw["requests"]
    statuses = {code: n for code, n in sorted(raw["statuses"].items())}
    non_2xx = sum(n for code, n in statuses.items() if not code.startswith("2"))
    errors = {k: v for k, v in raw["errors"].items() if k != "status"}  # wrk's "status": >= 400, counted above
    lat = raw["latency_us"]
    return {
        "rps": round(requests / seconds, 1) if seconds else 0.0,
        "p50_ms": round(lat["p50"] / 1000, 2), "p90_ms": round(lat["p90"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2), "max_ms": round(lat["max"] / 1000, 2),
        "requests": requests, "seconds": round(seconds, 2), "non_2xx": non_2xx, "statuses": statuses,
        "socket_errors": sum(errors.values()), "errors": errors,
        # Headers included: what went over the wire per answer.
        "bytes": round(raw["bytes"] / requests) if requests else 0,
    }


def lua_string(text: str) -> str:
    """A Lua string literal (cookies and paths are ASCII; escape anyway)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_lua_data(path: Path, *, paths: list[str], players: list[Player], threads: int) -> Path:
    players_lua = ",\n".join(f"  {{cookie = {lua_string(p.cookie)}, xff = {lua_string(p.address)}}}" for p in players)
    paths_lua = ", ".join(lua_string(p) for p in paths)
    path.write_text(f"return {{threads = {threads},\npaths = {{{paths_lua}}},\nplayers = {{\n{players_lua}\n}}}}\n")
    return path


def run_wrk(url: str, data: Path, *, seconds: float, config: Config) -> dict[str, Any]:
    argv = ["wrk", f"-t{config.threads}", f"-c{config.connections}", f"-d{max(1, round(seconds))}s",
            f"--timeout={config.wrk_timeout_s}s", "-s", str(LUA_SCRIPT), url, "--", str(data)]
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, timeout=seconds + config.wrk_timeout_s + 30)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return route_figures(parse_wrk(proc.stdout))


# --- one client: time to first byte ---------------------------------------------------------------


@dataclass
class Fetched:
    status: int
    ttfb_s: float  # request sent -> first byte of the answer
    total_s: float  # request sent -> last byte
    body_bytes: int


def fetch(url: str, path: str, headers: dict[str, str], timeout: float = 60.0) -> Fetched:
    """One GET on a fresh connection (`Connection: close`: the answer ends at EOF), timed from
    the moment the request is written, so connecting is not counted."""
    host, port = url.removeprefix("http://").split(":")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
             *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        t0 = time.perf_counter()
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        chunks = [sock.recv(65536)]
        t_first = time.perf_counter()
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        t_end = time.perf_counter()
    raw = b"".join(chunks)
    head, _, body = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else 0
    return Fetched(status, t_first - t0, t_end - t0, len(body))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: with 30 samples p99 is the slowest one)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def largest_page(url: str, candidates: list[str], headers: dict[str, str]) -> tuple[str, dict[str, int]]:
    sizes = {}
    for path in candidates:
        got = fetch(url, path, headers)
        if got.status != 200:
            raise RuntimeError(f"{path} answered {got.status}")
        sizes[path] = got.body_bytes
    return max(sizes, key=sizes.__getitem__), sizes


def ttfb(url: str, path: str, headers: dict[str, str], n: int, warmup: int = 2) -> dict[str, Any]:
    for _ in range(warmup):
        fetch(url, path, headers)
    got = [fetch(url, path, headers) for _ in range(n)]
    first = [g.ttfb_s * 1000 for g in got]
    total = [g.total_s * 1000 for g in got]
    return {"path": path, "requests": n, "bytes": got[-1].body_bytes,
            "non_2xx": sum(not 200 <= g.status < 300 for g in got),
            "ttfb_p50_ms": round(statistics.median(first), 1), "ttfb_p99_ms": round(percentile(first, 99), 1),
            "total_p50_ms": round(statistics.median(total), 1)}


# --- Django, through the site's environment -------------------------------------------------------


def django_step(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """`python -m <args>` with the site's environment (its database and secret key: a session
    signed with another key is no session)."""
    proc = subprocess.run([sys.executable, "-m", *args], check=False, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return proc.stdout


def players_make(site: Site, config: Config, work_dir: Path) -> list[Player]:
    out = work_dir / "players.json"
    django_step(site.env, "bench.http_setup", "players", "--n", str(config.players), "--prefix", "http",
                "--explicit-every", str(config.explicit_every), "--out", str(out))
    return [Player(p["cookie"], p["address"], p["hide_explicit"]) for p in json.loads(out.read_text())]


def features_read(site: Site, config: Config, work_dir: Path) -> dict[str, list[str]]:
    out = work_dir / "features.json"
    django_step(site.env, "bench.http_setup", "features", "--n", str(config.features),
                "--candidates", str(config.page_candidates), "--out", str(out))
    return json.loads(out.read_text())


def queue_drain(site: Site, config: Config) -> dict[str, Any]:
    print(f"waiting for the job worker to score the start-up queue (at most {config.drain_timeout_s:.0f} s) ...",
          flush=True)
    proc = subprocess.run([sys.executable, "-m", "bench.http_setup", "drain", "--timeout", str(config.drain_timeout_s)],
                          check=False, cwd=ROOT, env=site.env, stdout=subprocess.PIPE, text=True,
                          timeout=config.drain_timeout_s + 120)
    if proc.returncode != 0:
        raise RuntimeError("bench.http_setup drain failed (its error is above)")
    return json.loads(proc.stdout)


def headers_for(player: Player) -> dict[str, str]:
    return {"Cookie": player.cookie, "X-Forwarded-For": player.address}


def check_logged_in(site: Site, player: Player) -> None:
    """The players' sessions must be valid for the server (same database, same SECRET_KEY):
    otherwise every request would quietly be anonymous."""
    got = fetch(site.url, "/api/me", headers_for(player))
    if got.status != 200:
        raise RuntimeError(f"/api/me answered {got.status} for a bench player: the sessions are not logged in")


# --- the `start` topology -------------------------------------------------------------------------


class StartSite:
    """scripts/start's site in `work_dir`: one `manage.py serve` process on SQLite."""

    kind = "start"

    def __init__(self, work_dir: Path, *, extra_env: dict[str, str] | None = None) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.extra_env = dict(extra_env or {})
        self.server: Process | None = None
        self.timings: dict[str, float] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        # No DATABASE_URL or REDIS_URL: the embedded default, as scripts/start runs it. DEBUG off
        # whatever the caller's shell says (DEBUG keeps every SQL query in memory).
        base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
        return {**base, "DJANGO_SETTINGS_MODULE": "latentpedia.settings",
                "SQLITE_PATH": str(self.work_dir / "db.sqlite3"), "STATIC_ROOT": str(self.work_dir / "static"),
                "SECRET_KEY_FILE": str(self.work_dir / "secret_key"), "PYTHONUNBUFFERED": "1", **self.extra_env}

    @property
    def _prepared_marker(self) -> Path:
        return self.work_dir / "prepared.json"

    def prepare(self, pack: str) -> None:
        """scripts/start's steps; a work dir prepared before (same pack) only migrates."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        prepared = json.loads(self._prepared_marker.read_text()) if self._prepared_marker.exists() else None
        steps = [("migrate", ["manage.py", "migrate", "--noinput", "-v", "0"]),
                 ("collectstatic", ["manage.py", "collectstatic", "--noinput", "-v", "0"])]
        if prepared is None or prepared.get("pack") != pack:
            steps += [("import_pack", ["manage.py", "import_pack", pack, "--campaign", "demo"]),
                      ("plant_features", ["manage.py", "plant_features", pack])]
        for name, argv in steps:
            t = time.monotonic()
            proc = subprocess.run([sys.executable, *argv], check=False, cwd=ROOT, env=self.env, capture_output=True,
                                  text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"{name} failed:\n{proc.stderr[-3000:]}")
            self.timings[f"{name}_s"] = round(time.monotonic() - t, 1)
            print(f"  {name}: {self.timings[f'{name}_s']} s", flush=True)
        self.timings["reused_database"] = prepared is not None and prepared.get("pack") == pack
        self._prepared_marker.write_text(json.dumps({"pack": pack}))

    def start(self) -> None:
        argv = [sys.executable, "manage.py", "serve", "--noreload", f"127.0.0.1:{self.port}"]
        self.server = Process("serve", argv, env=self.env, log=self.work_dir / "serve.log")
        self.server.start()
        self.server.wait_until(lambda: http_status(self.url + "/healthz") == 200, 120, "200 from /healthz")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop(signal.SIGTERM, timeout=30)

    @property
    def bench_description(self) -> dict[str, Any]:
        return {"kind": self.kind, "server": "manage.py serve --noreload (daphne + in-process job worker)",
                "database": "sqlite", "prepare": self.timings}

    def logs(self) -> str:
        return tail(self.work_dir / "serve.log", 3000)


@contextmanager
def start_site(work_dir: Path, pack: str) -> Iterator[StartSite]:
    site = StartSite(work_dir, extra_env={"LATENTPEDIA_URLCONF": HELLO_URLCONF, "TRUSTED_PROXY_COUNT": "1"})
    print(f"== start: preparing {work_dir} as scripts/start does ...", flush=True)
    site.prepare(pack)
    try:
        site.start()
        yield site
    except BaseException:
        print(site.logs(), file=sys.stderr)
        raise
    finally:
        site.stop()


# --- the production topology ----------------------------------------------------------------------


@contextmanager
def prod_site(work_dir: Path, pack: str) -> Iterator[Any]:
    """deploy.topology's site with its own PostgreSQL and Redis. haproxy appends the address it
    saw (127.0.0.1) to the X-Forwarded-For the bench sends, so the player's own address is the
    second from the right: TRUSTED_PROXY_COUNT=2 here (1 would put every player behind one
    address and its per-address limit)."""
    from deploy.topology import Topology

    topology = Topology.private(port=free_port(), run_dir=work_dir / "prod",
                                extra_env={"LATENTPEDIA_URLCONF": HELLO_URLCONF, "TRUSTED_PROXY_COUNT": "2"})
    print("== prod: preparing (PostgreSQL, migrate, import, plant) ...", flush=True)
    try:
        t = time.monotonic()
        topology.prepare(pack)
        prepare_s = round(time.monotonic() - t, 1)
        topology.start()
        topology.bench_description = {
            "kind": "prod", "server": f"haproxy -> {topology.web} gunicorn x {topology.web_workers} sync workers",
            "job_workers": topology.workers, "database": "postgresql", "prepare": {"prepare_s": prepare_s}}
        yield topology
    except BaseException:
        print(topology.logs(1500), file=sys.stderr)
        raise
    finally:
        topology.stop()


# --- measuring ------------------------------------------------------------------------------------


def measure_route(site: Site, name: str, data: Path, config: Config) -> dict[str, Any]:
    if config.warmup_s:
        run_wrk(site.url, data, seconds=config.warmup_s, config=config)
    figures = run_wrk(site.url, data, seconds=config.seconds, config=config)
    print(f"  {ROUTE_LABELS[name]:<34} {figures['rps']:>8.1f} req/s  p50 {figures['p50_ms']:.1f} ms  "
          f"p99 {figures['p99_ms']:.1f} ms  non-2xx {figures['non_2xx']}", flush=True)
    return figures


def puzzle_requests_per_player(figures: dict[str, Any], config: Config) -> int:
    """The most puzzle/next requests one player got in the measured run (the rotation spreads
    them evenly); warm-up requests come on top, within the same minute or the one before."""
    return math.ceil(figures["requests"] / config.players)


def problems_of(result: dict[str, Any], config: Config) -> list[str]:
    """Why the run does not measure what it claims to: empty when valid."""
    problems = []
    for name, r in result["routes"].items():
        if r["non_2xx"]:
            problems.append(f"{ROUTE_LABELS[name]}: {r['non_2xx']} answers were not 2xx {r['statuses']}")
        if r["socket_errors"]:
            problems.append(f"{ROUTE_LABELS[name]}: socket errors or timeouts {r['errors']}")
    page = result["feature_page"]
    if page["non_2xx"]:
        problems.append(f"feature page: {page.get('error') or str(page['non_2xx']) + ' answers were not 2xx'}")
    if not result["queue"].get("drained", True):
        problems.append(f"the start-up scoring queue had not drained ({result['queue']['due']} jobs due): "
                        "the worker competed with the requests")
    per_player = result["puzzle_requests_per_player_max"]
    if per_player > PUZZLE_LIMIT_PER_MINUTE:
        problems.append(f"{per_player} puzzle requests per player in {config.seconds:g} s: over the per-user limit "
                        f"({PUZZLE_LIMIT_PER_MINUTE}/min); run with more --players")
    return problems


def feature_page_figures(site: Site, candidates: list[str], headers: dict[str, str], config: Config) -> dict[str, Any]:
    """TTFB of the largest candidate page; a page that fails is reported, not fatal, so the
    routes measured before it are kept."""
    try:
        page, sizes = largest_page(site.url, candidates, headers)
    except RuntimeError as exc:
        print(f"  feature page: {exc}", flush=True)
        return {"error": str(exc), "non_2xx": 1}
    print(f"  largest feature page {page}: {sizes[page]} bytes (of {len(sizes)} candidates)", flush=True)
    figures = ttfb(site.url, page, headers, config.ttfb_requests)
    print(f"  feature page {page}: TTFB p50 {figures['ttfb_p50_ms']} ms, p99 {figures['ttfb_p99_ms']} ms", flush=True)
    return {**figures, "candidates": sizes}


def notes_of(result: dict[str, Any], config: Config) -> list[str]:
    """What makes figures rough without making them wrong. wrk counts only answers that came
    back before the end: with few requests per connection, the ones cut off weigh a lot."""
    notes = []
    for name, r in result["routes"].items():
        if r["requests"] < 10 * config.connections:
            notes.append(f"{ROUTE_LABELS[name]}: only {r['requests']} requests over {config.connections} connections; "
                         "its latency figures are rough (run longer: --seconds)")
    first, again = result["routes"]["hello"]["rps"], result["routes"]["hello_again"]["rps"]
    if min(first, again) < 0.8 * max(first, again):
        notes.append(f"hello answered {first:.0f} req/s first and {again:.0f} last: the machine's load changed "
                     "during the run (other processes?); the ratios divide by the mean")
    return notes


def measure(site: Any, config: Config, work_dir: Path) -> dict[str, Any]:
    players = players_make(site, config, work_dir)
    check_logged_in(site, players[1 % len(players)])
    features = features_read(site, config, work_dir)
    queue = queue_drain(site, config)
    print(f"  queue: {queue}", flush=True)

    data = {
        "hello": write_lua_data(work_dir / "hello.lua", paths=[HELLO_PATH], players=players, threads=config.threads),
        "puzzle_next": write_lua_data(work_dir / "puzzle.lua", paths=["/api/puzzle/next"], players=players,
                                      threads=config.threads),
        "feature_api": write_lua_data(work_dir / "feature.lua", paths=features["api_paths"], players=players,
                                      threads=config.threads),
    }
    data["hello_again"] = data["hello"]
    routes = {name: measure_route(site, name, path, config) for name, path in data.items()}
    page_figures = feature_page_figures(site, features["page_candidates"], headers_for(players[0]), config)

    hello_rps = round((routes["hello"]["rps"] + routes["hello_again"]["rps"]) / 2, 1)
    result = {
        "site": site.bench_description, "routes": routes, "hello_rps": hello_rps,
        "puzzle_next_ratio": round(routes["puzzle_next"]["rps"] / hello_rps, 4) if hello_rps else None,
        "feature_api_ratio": round(routes["feature_api"]["rps"] / hello_rps, 4) if hello_rps else None,
        "feature_page": page_figures, "queue": queue,
        "players": {"n": len(players), "hide_explicit": sum(p.hide_explicit for p in players)},
        "feature_api_paths": features["api_paths"],
        "puzzle_requests_per_player_max": puzzle_requests_per_player(routes["puzzle_next"], config),
    }
    result["problems"] = problems_of(result, config)
    result["notes"] = notes_of(result, config)
    result["valid"] = not result["problems"]
    return result


# --- output ---------------------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    from bench.load import machine

    return {**machine(), "nproc": len(os.sched_getaffinity(0))}


def format_table(name: str, result: dict[str, Any]) -> str:
    if "skipped" in result:
        return f"== {name}: skipped ({result['skipped']})"
    if "error" in result:
        return f"== {name}: FAILED ({result['error'].splitlines()[0]})"
    lines = [f"== {name}: {result['site']['server']} — {'VALID' if result['valid'] else 'INVALID'}",
             f"{'route':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'bytes':>8}"]
    for route, r in result["routes"].items():
        lines.append(f"{ROUTE_LABELS[route]:<34} {r['rps']:>9.1f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
                     f"{r['non_2xx']:>8} {r['bytes']:>8}")
    page = result["feature_page"]
    if "error" in page:
        page = {"path": f"failed: {page['error']}", "bytes": 0, "ttfb_p50_ms": None, "ttfb_p99_ms": None, "requests": 0}
    lines.append(f"puzzle_next_ratio {result['puzzle_next_ratio']}   feature_api_ratio {result['feature_api_ratio']}   "
                 f"(÷ hello {result['hello_rps']} req/s)")
    lines.append(f"feature page {page['path']} ({page['bytes']:,} bytes), one client: TTFB p50 {page['ttfb_p50_ms']} ms, "
                 f"p99 {page['ttfb_p99_ms']} ms over {page['requests']} requests")
    lines += [f"note: {n}" for n in result["notes"]]
    lines += [f"WARNING: {p}" for p in result["problems"]]
    return "\n".join(lines)


def config_from(args: argparse.Namespace) -> Config:
    config = Config(seconds=args.seconds or (3.0 if args.quick else 10.0), warmup_s=1.0, players=args.players,
                    connections=args.connections, threads=args.threads, drain_timeout_s=args.drain_timeout)
    return config


def run_topology(kind: str, args: argparse.Namespace, config: Config, work_dir: Path) -> dict[str, Any]:
    if kind == "start":
        site_dir = args.work_dir.resolve() if args.work_dir else work_dir / "start"
        with start_site(site_dir, args.pack) as site:
            return measure(site, config, work_dir)
    if not (ROOT / "deploy" / "topology.py").exists():
        return {"skipped": "deploy/topology.py is not there"}
    with prod_site(work_dir, args.pack) as site:
        return measure(site, config, work_dir)


def headline(start: dict[str, Any]) -> dict[str, Any]:
    """The figures the goals name, from `scripts/start`'s kind, at the top of the results."""
    page = start.get("feature_page") or {}
    return {"puzzle_next_ratio": start.get("puzzle_next_ratio"), "feature_api_ratio": start.get("feature_api_ratio"),
            "feature_page_ttfb_p50_ms": page.get("ttfb_p50_ms")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s a route instead of 10")
    parser.add_argument("--topology", choices=["start", "prod", "both"], default="start")
    parser.add_argument("--seconds", type=float, default=None, help="per route (default 10, 3 with --quick)")
    parser.add_argument("--players", type=int, default=300)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pack", default="packs/demo")
    parser.add_argument("--drain-timeout", type=float, default=3600.0, help="seconds to wait for the scoring queue")
    parser.add_argument("--work-dir", type=Path, default=None,
                        help="keep the `start` site's database here and reuse it next time (default: a fresh temporary one)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk was not found (apt-get install wrk)")

    config = config_from(args)
    report: dict[str, Any] = {"command": " ".join(["python -m bench.http_bench", *(argv if argv is not None else sys.argv[1:])]),
                              "machine": machine_info(), "config": asdict(config), "topologies": {}}
    kinds = ["start", "prod"] if args.topology == "both" else [args.topology]
    with tempfile.TemporaryDirectory(prefix="lp-http-") as tmp:
        for kind in kinds:
            work_dir = Path(tmp) / kind
            work_dir.mkdir()
            try:
                report["topologies"][kind] = run_topology(kind, args, config, work_dir)
            except Exception as exc:  # noqa: BLE001 - the other topology's figures are still worth writing
                print(f"== {kind} failed: {exc}", file=sys.stderr)
                report["topologies"][kind] = {"error": f"{type(exc).__name__}: {exc}"[:4000]}
    report["machine"]["load_average_at_end"] = os.getloadavg()
    measured = [r for r in report["topologies"].values() if "skipped" not in r]
    report["valid"] = bool(measured) and all(r.get("valid", False) for r in measured)
    report.update(headline(report["topologies"].get("start", {})))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print()
    for kind, result in report["topologies"].items():
        print(format_table(kind, result) + "\n")
    print(f"{'VALID' if report['valid'] else 'INVALID (see the warnings)'}; results in {args.out}")
    return 0 if report["valid"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
