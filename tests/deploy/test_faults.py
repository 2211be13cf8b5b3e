"""The production topology under load with each fault: a short version of `bench.load`.

Twenty players play for about eight seconds per fault against haproxy, two gunicorn backends,
daphne and a worker over a private PostgreSQL and Redis (faults never touch the machine's own),
with the test suite's tiny pack. Each phase must end with nothing lost, nothing duplicated, no
player over the daily limit, the boards equal to the ledger, every scoring job finished exactly
once, and no failed request the fault does not excuse (only 503s while the database or Redis
is away; none at all while a backend is down, but those in flight on it when it died).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from bench.faults import KINDS
from bench.load import BENCH_ENV, LoadConfig, run_phase, tiny_pack


def _missing() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return "runs in the PostgreSQL + Redis pass of the suite: DATABASE_URL is not a PostgreSQL URL"
    if shutil.which("haproxy") is None:
        return "needs haproxy (apt-get install haproxy)"
    from deploy.services import pg_bin_dir, redis_server

    if pg_bin_dir() is None:
        return "needs PostgreSQL's initdb and pg_ctl for a private cluster (apt-get install postgresql, or set PG_BIN)"
    if redis_server() is None:
        return "needs redis-server for a private Redis (apt-get install redis-server)"
    for module in ("gunicorn", "daphne"):
        if importlib.util.find_spec(module) is None:
            return f"needs {module} (pip install -r requirements.txt)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")

CONFIG = LoadConfig(players=20, seconds=8.0, think_s=1.5, fault_at=0.3, fault_hold_s=2.0, min_writes=5,
                    drain_timeout_s=60.0)


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    from deploy.topology import Topology

    work = tmp_path_factory.mktemp("faults")
    # A short lease: the job of a killed worker is run again within seconds, not two minutes.
    t = Topology.private(web=2, web_workers=1, ws=1, workers=1, run_dir=work / "run",
                         extra_env={**BENCH_ENV, "JOB_LEASE_SECONDS": "4"})
    try:
        t.prepare(str(tiny_pack(work)), plant=False)
        t.start()
        yield t, work
    except BaseException:
        print(t.logs()[-6000:])
        raise
    finally:
        t.stop()


# Ids that are not marker names: the suite's conftest skips tests with a `redis` keyword.
@pytest.mark.parametrize("fault", KINDS, ids=[f"{k}-fault" for k in KINDS])
def test_nothing_is_lost_or_doubled_under_load_with_a_fault(topology, fault: str) -> None:
    t, work = topology
    phase = run_phase(t, CONFIG, fault, prefix=f"ci{fault[:3]}", work_dir=Path(work))
    r = phase.result
    checks, failures = r["checks"], r["failures"]
    zeros = {
        "votes lost": checks["votes"]["missing"], "votes doubled": checks["votes"]["duplicated"],
        "explanations lost": checks["explanations"]["missing"],
        "explanation rows doubled": checks["explanations"]["duplicate_rows"],
        "skips lost": checks["skips"]["lost"],
        "players over the daily limit": checks["daily_limit"]["players_over_limit"],
        "boards or /api/me unlike the ledger": checks["points"]["mismatches"],
        "awards paid twice": checks["points"]["awards_paid_twice"],
        "scoring jobs unfinished": checks["scoring"]["unfinished"],
        "scoring jobs failed": checks["scoring"]["failed"],
        "scoring jobs done twice": checks["scoring"]["done_twice"],
        "scoring jobs run twice without a kill": checks["scoring"]["run_twice_unexpectedly"],
        "failed requests outside the fault window": failures["outside_windows"]["count"],
        "failed requests the fault does not excuse": failures["not_excused_in_window"]["count"],
        "site processes that exited": len(r["exited"]),
        "scores that never reached their author's open websocket": r["websocket"]["score_events_missed"],
        "websockets open through the fault but deaf after it": r["websocket"].get("deaf_after_fault", 0),
    }
    if fault in ("redis", "database"):
        excused = failures["excused_in_window"]["by_status"]
        zeros["excused failures other than 503"] = sum(n for k, n in excused.items() if k not in ("503", "no_answer"))
    wrong = {k: v for k, v in zeros.items() if v}
    detail = ("checks", "failures", "windows", "drain", "exited", "websocket", "totals")
    # The whole phase in the message: which requests failed, and how, is what one needs to know.
    assert not wrong, f"{wrong}\nproblems: {phase.problems}\n{json.dumps({k: r[k] for k in detail}, indent=1, default=str)}"
    assert r["totals"]["acknowledged_writes"]["total"] >= CONFIG.writes_needed(), r["totals"]
    if fault == "worker":
        assert r["windows"][0]["notes"]["mid_score"], "the worker was not scoring when it was killed"
    assert phase.ok, phase.problems
