"""The Django side of `bench.http`: players, features and the job queue, through the ORM of the
database under test. Run in a subprocess with the server's environment (its SQLITE_PATH or
DATABASE_URL), so the process that drives wrk never loads Django's settings:

    python -m bench.http_setup players --n 300 --prefix http --explicit-every 4 --out players.json
    python -m bench.http_setup features --n 50 --candidates 12 --out features.json
    python -m bench.http_setup drain --timeout 1800

Each command prints one line of JSON (`drain`) or writes its `--out` file.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

SESSION_COOKIE = "sessionid"


def players_make(n: int, *, prefix: str, explicit_every: int) -> list[dict[str, Any]]:
    """`n` logged-in players (a session each, as a browser has after logging in); every
    `explicit_every`-th one hides explicit clues, which changes what puzzle/next does."""
    from django.conf import settings

    from accounts.models import Profile
    from bench.accounts import players_create

    players = players_create(n, prefix=prefix)
    hiding = [p["user_id"] for i, p in enumerate(players) if explicit_every and i % explicit_every == 0]
    Profile.objects.filter(user_id__in=hiding).update(hide_explicit=True)
    cookie_name = getattr(settings, "SESSION_COOKIE_NAME", SESSION_COOKIE)
    return [{"username": p["username"], "cookie": f"{cookie_name}={p['session_key']}", "address": p["address"],
             "hide_explicit": p["user_id"] in hiding} for p in players]


def feature_api_paths(n: int, *, seed: int = 0) -> list[str]:
    """`n` real features spread over every source (a seeded sample), as API paths."""
    from game.models import Feature

    refs = list(Feature.objects.order_by("pk").values_list("source__model__slug", "source__slug", "index"))
    picked = sorted(random.Random(seed).sample(refs, min(n, len(refs))))
    return [f"/api/feature/{m}/{s}/{i}" for m, s, i in picked]


def page_candidates(n: int) -> list[str]:
    """The feature pages likeliest to be largest: a page draws every token of the feature's
    activation records, so those with the most tokens in all (rendering all 4,000-odd pages to
    find the largest would take minutes); the caller fetches these and keeps the largest."""
    from django.db.models import Sum

    from game.models import Feature

    rows = (Feature.objects.annotate(tokens=Sum("records__length"))
            .order_by("-tokens", "pk")
            .values_list("source__model__slug", "source__slug", "index")[:n])
    return [f"/{m}/{s}/{i}" for m, s, i in rows]


def queue_left() -> dict[str, int]:
    """Jobs a worker would still run now: ready and due, or running. Ready jobs waiting out a
    retry back-off are counted apart: they do not hold the measurement up."""
    from django.utils import timezone

    from jobs.models import Job

    live = Job.objects.filter(status__in=[Job.Status.READY, Job.Status.RUNNING])
    due = live.filter(run_after__lte=timezone.now())
    return {"due": due.count(), "later": live.count() - due.count(),
            "done": Job.objects.filter(status=Job.Status.DONE).count(),
            "failed": Job.objects.filter(status=Job.Status.FAILED).count()}


def drain(timeout_s: float, *, poll_s: float = 5.0, report_every_s: float = 60.0) -> dict[str, Any]:
    """Waits until no job is due or running (the server's worker has scored the start-up queue),
    or `timeout_s`; progress goes to stderr."""
    t0 = last_report = time.monotonic()
    left = queue_left()
    while left["due"] and time.monotonic() - t0 < timeout_s:
        time.sleep(poll_s)
        left = queue_left()
        if time.monotonic() - last_report >= report_every_s:
            last_report = time.monotonic()
            print(f"  queue: {left['due']} due, {left['done']} done after {last_report - t0:.0f} s", file=sys.stderr)
    return {"drained": left["due"] == 0, "waited_s": round(time.monotonic() - t0, 1), **left}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("players")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--prefix", default="http")
    p.add_argument("--explicit-every", type=int, default=4)
    p.add_argument("--out", type=Path, required=True)
    f = sub.add_parser("features")
    f.add_argument("--n", type=int, default=50)
    f.add_argument("--candidates", type=int, default=12)
    f.add_argument("--out", type=Path, required=True)
    d = sub.add_parser("drain")
    d.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
    import django

    django.setup()
    if args.command == "players":
        args.out.write_text(json.dumps(players_make(args.n, prefix=args.prefix, explicit_every=args.explicit_every)))
    elif args.command == "features":
        args.out.write_text(json.dumps({"api_paths": feature_api_paths(args.n),
                                        "page_candidates": page_candidates(args.candidates)}))
    else:
        print(json.dumps(drain(args.timeout)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
