"""Load benchmark: simulated players against the production topology, with faults.

    .venv/bin/python -m bench.load --players 200 --seconds 60 --faults all
    .venv/bin/python -m bench.load --quick --faults web

Starts `deploy.topology.Topology.private()` (its own PostgreSQL and Redis, haproxy in front of
gunicorn web backends and daphne for the websocket, `run_worker` processes), imports the pack,
then runs one phase per fault (`--faults all`: none, web, worker, database, redis, one after
another on the same topology, each with its own fresh players). In each phase every player
plays for `--seconds` while the fault is done part-way through; then the players' scoring is
left to finish, and `bench.db_checks` compares the database with every write the server
acknowledged, and the boards and /api/me (read through the balancer) with the points ledger.

The exit status is non-zero when any phase lost, duplicated or overran anything, failed a
request it had no fault to excuse (see `bench.load_stats`), or acknowledged fewer writes than
`--min-writes`. Results: `bench/results/load.json` (or `--out`), and a table on stdout.

Bench-only settings, passed to the app through the topology's `extra_env`:
`DAILY_SCORED_EXPLANATIONS` (2 here, so that players reach the limit and write drafts
within a minute) and `JOB_LEASE_SECONDS` (10, so that a job whose worker was killed is run
again within the phase rather than two minutes later).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench.faults import FAULTS, GRACE_S, KINDS
from bench.load_stats import FaultWindow, classify_failures, format_table, route_table
from bench.players import ROUTES, Account, Record, run_players

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "load.json"


@dataclass
class LoadConfig:
    players: int = 200
    seconds: float = 60.0
    think_s: float = 2.0  # mean pause between a player's steps (exponential)
    fault_at: float = 0.35  # share of the phase after which the fault is done
    fault_hold_s: float = 5.0  # how long a backend, the worker or the database stays down
    min_writes: int | None = None  # per phase; default: one write per player per 30 s
    drain_timeout_s: float = 300.0
    seed: int = 0

    def writes_needed(self) -> int:
        return self.min_writes if self.min_writes is not None else max(1, int(self.players * self.seconds / 30))


@dataclass
class Phase:
    """One run of players with at most one fault, and what came of it."""

    fault: str
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


BENCH_ENV = {"DAILY_SCORED_EXPLANATIONS": "2", "JOB_LEASE_SECONDS": "10"}


def django_env(topology: Any) -> dict[str, str]:
    """The environment for a Django subprocess against the topology's database and Redis."""
    return {**os.environ, **topology.env, "DJANGO_SETTINGS_MODULE": "latentpedia.settings"}


def _django(topology: Any, *args: str, timeout: float = 600, supervise: list[str] | None = None) -> str:
    """`python -m <args>` with the topology's environment; its stdout. With `supervise`, the
    site's exited processes are started again meanwhile (as `scripts/serve-prod` does every
    2 s), their names appended to the list."""
    proc = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=django_env(topology), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while supervise is not None and proc.poll() is None and time.monotonic() < deadline:
        supervise += topology.restart_exited()
        time.sleep(1.0)
    try:
        out, err = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({proc.returncode}):\n{err[-3000:]}")
    return out


def accounts_create(topology: Any, n: int, *, prefix: str, work_dir: Path) -> list[Account]:
    out = work_dir / f"{prefix}-players.json"
    _django(topology, "bench.accounts", "--n", str(n), "--prefix", prefix, "--out", str(out))
    return [Account.from_dict(d) for d in json.loads(out.read_text())]


def _recovery_s(record: Record, window: FaultWindow) -> float | None:
    """From the fault being undone to the first request that started after it and succeeded."""
    undone = window.end - GRACE_S
    firsts = [s.end for s in record.samples if s.start >= undone and s.status is not None and s.status < 400]
    return round(min(firsts) - undone, 2) if firsts else None


def _deaf_sockets(record: Record, window: FaultWindow) -> dict[str, int]:
    """Sockets opened before the fault and still open at the end that heard nothing after it,
    while sockets opened since did hear events: alive to TCP, but no longer subscribed."""
    still_open = {u: s for u, s in record.sockets.items() if s["opened"] is not None}
    old = [s for s in still_open.values() if s["opened"] < window.start]
    new = [s for s in still_open.values() if s["opened"] >= window.start]
    heard_after = [s for s in still_open.values() if s["heard"] is not None and s["heard"] > window.end]
    deaf = [s for s in old if s["heard"] is None or s["heard"] <= window.end] if heard_after else []
    return {"open_at_end": len(still_open), "opened_before_fault": len(old), "opened_since_fault": len(new),
            "heard_after_fault": len(heard_after), "deaf_after_fault": len(deaf)}


# A score written this long after its author's socket opened, and this long before the player
# stopped, must have reached that socket (the event is sent when the score commits).
SCORE_EVENT_MARGIN_S = 1.0
# A score is announced after its transaction commits (the author, then the boards are read
# first) and waits in Redis until the socket's process pops it: one committed this long before
# Redis restarts may still be in flight there, and is lost with it like one sent during the restart.
SCORE_DELIVERY_S = 2.0


def _score_events(record: Record, finished_at: dict[str, float], until: float,
                  windows: list[FaultWindow]) -> dict[str, int]:
    """Score events the authors' open sockets should have heard, and how many they did. One
    sent while Redis (the channel layer) restarts is lost with it, so those are counted apart."""
    authors = {e["id"]: e["user_id"] for e in record.explanations}
    redis_down = [w for w in windows if w.kind == "redis"]
    expected = heard = in_window = 0
    for explanation_id, wall in finished_at.items():
        t = wall - record.t0_wall
        spans = record.socket_spans.get(authors.get(int(explanation_id)), [])
        if t > until - SCORE_EVENT_MARGIN_S or not any(
                opened + SCORE_EVENT_MARGIN_S <= t and (closed is None or t <= closed) for opened, closed in spans):
            continue
        if any(w.start - SCORE_DELIVERY_S <= t <= w.end for w in redis_down):
            in_window += 1
            continue
        expected += 1
        heard += int(explanation_id) in record.score_events
    return {"score_events_expected": expected, "score_events_heard": heard, "score_events_missed": expected - heard,
            "score_events_during_redis_restart": in_window}


def run_phase(topology: Any, config: LoadConfig, fault: str, *, prefix: str, work_dir: Path) -> Phase:
    """Players for `config.seconds` with `fault` ("none" or one of KINDS) done part-way, then the checks."""
    phase = Phase(fault)
    load_before = os.getloadavg()
    accounts = accounts_create(topology, config.players, prefix=prefix, work_dir=work_dir)
    record = Record()
    windows: list[FaultWindow] = []

    async def during(rec: Record) -> None:
        if fault == "none":
            return
        await asyncio.sleep(config.seconds * config.fault_at)
        windows.append(await FAULTS[fault](topology, rec, hold_s=config.fault_hold_s))

    asyncio.run(run_players(accounts, base_url=topology.url, ws_url=topology.ws_url, seconds=config.seconds,
                            think_s=config.think_s, record=record, seed=config.seed, during=during))
    elapsed = record.now()
    load_after = os.getloadavg()
    # A process of the site that died during the phase (not one the fault killed and started
    # again) is a failure of its own; it is started again so the scoring can finish and the
    # next phase has a whole site.
    exited = topology.restart_exited()

    interrupted = [j for w in windows for j in w.notes.get("interrupted_job_ids", [])]
    acks: dict[str, Any] = {
        "user_ids": [a.user_id for a in accounts], "votes": record.votes, "explanations": record.explanations,
        "skips": record.skips, "duplicates_409": record.duplicates, "interrupted_job_ids": interrupted,
        # For reading the boards and a few players' /api/me after the run, as players would.
        "base_url": topology.url, "me_tokens": [a.token for a in accounts[:20]],
    }
    acks_path = work_dir / f"{prefix}-acks.json"
    acks_path.write_text(json.dumps(acks))
    drain = json.loads(_django(topology, "bench.db_checks", "drain", "--in", str(acks_path),
                               "--timeout", str(config.drain_timeout_s), timeout=config.drain_timeout_s + 120,
                               supervise=exited))
    checks = json.loads(_django(topology, "bench.db_checks", "check", "--in", str(acks_path),
                                "--drained", "yes" if drain["drained"] else "no"))

    table = route_table(record.samples, elapsed)
    failures = classify_failures(record.samples, windows)
    writes = {"votes": len(record.votes), "explanations": len(record.explanations), "skips": len(record.skips)}
    writes["total"] = sum(writes.values())
    http = [s for s in record.samples if s.route != ROUTES[6]]
    totals = {
        "requests": len(http), "per_s": round(len(http) / elapsed, 2),
        "429": sum(s.status == 429 for s in http),
        "5xx": sum(s.status is not None and s.status >= 500 for s in http),
        "no_answer": sum(s.status is None for s in http),
        "acknowledged_writes": writes,
        "duplicates_refused_409": record.duplicates,
        "drafts_acknowledged": sum(e["status"] == "draft" for e in record.explanations),
    }
    websocket = {"connects": record.ws_connects, "reconnects": record.ws_reconnects, "drops": record.ws_drops,
                 "failed_handshakes": record.ws_failed_connects, "messages": record.ws_messages}
    websocket.update(_score_events(record, checks["checks"]["scoring"].pop("finished_at", {}), config.seconds,
                                   windows))
    for w in windows:
        w.notes["recovered_after_s"] = _recovery_s(record, w)
        websocket.update(_deaf_sockets(record, w))

    if not checks["ok"]:
        phase.problems += [f"check {name} failed" for name, c in checks["checks"].items() if not c["ok"]]
    if failures["outside_windows"]["count"]:
        phase.problems.append(f"{failures['outside_windows']['count']} failed requests outside any fault window")
    if failures["not_excused_in_window"]["count"]:
        phase.problems.append(f"{failures['not_excused_in_window']['count']} failed requests in the fault window "
                              f"that the fault does not excuse")
    if writes["total"] < config.writes_needed():
        phase.problems.append(f"only {writes['total']} acknowledged writes (minimum {config.writes_needed()})")
    if fault == "worker" and windows and not windows[0].notes.get("mid_score"):
        phase.problems.append("the worker was not scoring when it was killed")
    if exited:
        phase.problems.append(f"processes exited during the phase: {', '.join(exited)}")
    if websocket["score_events_missed"]:
        phase.problems.append(f"{websocket['score_events_missed']} of {websocket['score_events_expected']} scores "
                              f"never reached their author's open websocket")
    if websocket.get("deaf_after_fault"):
        phase.problems.append(f"{websocket['deaf_after_fault']} websockets stayed open through the {fault} fault "
                              f"but heard nothing after it while newer ones did")
    phase.ok = not phase.problems
    phase.result = {
        "fault": fault, "ok": phase.ok, "problems": phase.problems, "players": config.players,
        "seconds": round(elapsed, 1), "load_average_before": load_before, "load_average_after": load_after,
        "routes": table, "totals": totals, "websocket": websocket,
        "windows": [w.as_dict() for w in windows], "failures": failures, "drain": drain,
        "checks": checks["checks"], "min_writes": config.writes_needed(), "exited": exited,
    }
    return phase


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(), "busiest_at_start": busiest(),
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def busiest(n: int = 6) -> list[str]:
    """The processes using most CPU now (ps's lifetime average), to say how busy the machine was."""
    try:
        out = subprocess.run(["ps", "-eo", "pcpu,etimes,args", "--sort=-pcpu", "--no-headers"], check=False,
                             capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [" ".join(line.split())[:120] for line in out.splitlines()[:n]]


def print_phase(phase: Phase) -> None:
    r = phase.result
    t = r["totals"]
    print(f"\n== {phase.fault}: {'OK' if phase.ok else 'FAILED'} — {r['players']} players × {r['seconds']} s, "
          f"{t['requests']} requests ({t['per_s']}/s), writes {t['acknowledged_writes']}, "
          f"429s {t['429']}, 5xx {t['5xx']}, no answer {t['no_answer']}")
    print(format_table(r["routes"]))
    ws = r["websocket"]
    print(f"websocket: {ws['connects']} connects, {ws['reconnects']} reconnects, {ws['drops']} drops, "
          f"{ws['failed_handshakes']} failed handshakes, messages {ws['messages']}, score events heard "
          f"{ws['score_events_heard']} of {ws['score_events_expected']}")
    for w in r["windows"]:
        print(f"fault {w['kind']}: {w['start']}–{w['end']} s {w['notes']}")
    f = r["failures"]
    print("failures: outside windows {}, excused {}, not excused {}".format(
        f["outside_windows"]["by_status"], f["excused_in_window"]["by_status"], f["not_excused_in_window"]["by_status"]))
    for name, c in r["checks"].items():
        numbers = {k: v for k, v in c.items() if k not in ("ok", "examples") and not isinstance(v, (list, dict))}
        print(f"check {name}: {'ok' if c['ok'] else 'FAILED'} {numbers}")
    print(f"drain: {r['drain']}")
    for p in phase.problems:
        print(f"PROBLEM: {p}")


def tiny_pack(work_dir: Path) -> Path:
    """The test suite's small pack, for quick runs (imports in seconds instead of minutes)."""
    from tests.tiny_pack import write_tiny_pack

    return write_tiny_pack(work_dir / "tiny-pack", n_features=8)


def _write(report: dict[str, Any], phases: list[Phase], out: Path) -> None:
    report["runs"] = [p.result for p in phases]
    report["ok"] = bool(phases) and all(p.ok for p in phases) and not report.get("aborted")
    report["machine"]["load_average_at_end"] = os.getloadavg()
    report["machine"]["busiest_at_end"] = busiest()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1, default=str) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Simulated players against the production topology, with faults.")
    parser.add_argument("--players", type=int, default=None, help="default 200 (20 with --quick)")
    parser.add_argument("--seconds", type=float, default=None, help="per phase; default 60 (10 with --quick)")
    parser.add_argument("--faults", choices=["none", *KINDS, "all"], default="all")
    parser.add_argument("--quick", action="store_true", help="20 players × 10 s, faults held 3 s")
    parser.add_argument("--think", type=float, default=2.0, help="mean think time between steps, seconds")
    parser.add_argument("--min-writes", type=int, default=None, help="per phase (default: players × seconds / 30)")
    parser.add_argument("--fault-seconds", type=float, default=None, help="how long a fault lasts (default 5, 3 with --quick)")
    parser.add_argument("--pack", default="packs/demo", help='a pack directory, or "tiny" for the test suite\'s small pack')
    parser.add_argument("--web", type=int, default=2)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--logs", type=Path, default=None, help="copy the site's logs here at the end")
    args = parser.parse_args(argv)

    from deploy.topology import Topology

    config = LoadConfig(
        players=args.players or (20 if args.quick else 200),
        seconds=args.seconds or (10.0 if args.quick else 60.0),
        think_s=args.think, min_writes=args.min_writes,
        fault_hold_s=args.fault_seconds or (3.0 if args.quick else 5.0),
    )
    faults = ["none", *KINDS] if args.faults == "all" else [args.faults]
    report: dict[str, Any] = {"command": " ".join(["python -m bench.load", *(argv if argv is not None else sys.argv[1:])]),
                              "machine": machine(), "config": asdict(config), "bench_env": BENCH_ENV}
    phases: list[Phase] = []
    with tempfile.TemporaryDirectory(prefix="lp-load-") as tmp:
        work_dir = Path(tmp)
        pack = tiny_pack(work_dir) if args.pack == "tiny" else Path(args.pack)
        topology = Topology.private(web=args.web, web_workers=args.web_workers, ws=1,
                                    workers=args.workers, run_dir=work_dir / "site", extra_env=BENCH_ENV)
        report["topology"] = {"web": args.web, "web_workers": args.web_workers, "ws": 1, "workers": args.workers,
                              "pack": str(args.pack)}
        try:
            t = time.monotonic()
            topology.prepare(str(pack), plant=args.pack != "tiny")
            report["prepare_s"] = round(time.monotonic() - t, 1)
            t = time.monotonic()
            topology.start()
            report["start_s"] = round(time.monotonic() - t, 1)
            for n, fault in enumerate(faults):
                phase = run_phase(topology, config, fault, prefix=f"load{n}{fault[:2]}", work_dir=work_dir)
                phases.append(phase)
                print_phase(phase)
        except BaseException:
            print(topology.logs()[-6000:], file=sys.stderr)
            report["aborted"] = True  # the phases done so far are still written below
            raise
        finally:
            if args.logs:
                shutil.copytree(topology.logs_dir, args.logs, dirs_exist_ok=True)
            topology.stop()
            _write(report, phases, args.out)
    verdicts = ", ".join(f"{p.fault} {'ok' if p.ok else 'FAILED'}" for p in phases)
    print(f"\n{'ALL OK' if report['ok'] else 'FAILED'}: {verdicts}; results in {args.out}")
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
