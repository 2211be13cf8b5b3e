"""What hiding explicit clues costs a puzzle request, now that `explicit` is decided at import:
`GET /api/puzzle/next` with and without `hide_explicit=1`, and how many clues are flagged.

    .venv/bin/python bench/explicit_filter.py [--pack packs/demo] [--requests 50]

Migrates a scratch SQLite database (a temporary directory, removed afterwards), imports the
pack into it as `scripts/start` does (campaign `demo`; baseline scoring not queued), then
serves `--requests` puzzles to each of two anonymous players through Django's test Client,
one asking `?hide_explicit=1` and one not, taking turns so that both meet the same machine
load (each gets a fresh feature every time, as players do). One request each beforehand is
not timed (first-request costs: loading the vocabulary, the word list). Also reports, per
source, the share of the pack's clue records (top and quantile records not held out: what a
puzzle shows) that the import flagged explicit, and how long the import took. Writes
bench/results/explicit_filter.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_dir: Path) -> None:
    """Settings for a scratch database: read when Django starts, so set before it does."""
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    os.environ["SQLITE_PATH"] = str(db_dir / "db.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "latentpedia.settings"
    import django

    django.setup()


def summarise(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"requests": len(ms), "mean_ms": round(statistics.fmean(ms), 2), "median_ms": round(statistics.median(ms), 2),
            "min_ms": round(min(ms), 2), "max_ms": round(max(ms), 2)}


def clue_shares() -> dict[str, dict[str, float | int]]:
    from django.db.models import Count, Q

    from game.models import ActivationRecord

    clues = ActivationRecord.objects.filter(held_out=False, kind__in=[ActivationRecord.Kind.TOP, ActivationRecord.Kind.QUANTILE])
    rows = (clues.values("feature__source__slug").order_by("feature__source__slug")
            .annotate(n=Count("id"), explicit=Count("id", filter=Q(explicit=True))))
    out = {r["feature__source__slug"]: {"clue_records": r["n"], "explicit": r["explicit"],
                                          "explicit_share": round(r["explicit"] / r["n"], 4) if r["n"] else 0.0}
           for r in rows}
    n, explicit = sum(v["clue_records"] for v in out.values()), sum(v["explicit"] for v in out.values())
    out["all"] = {"clue_records": n, "explicit": explicit, "explicit_share": round(explicit / n, 4) if n else 0.0}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "explicit_filter.json"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lp-explicit-"))
    try:
        setup_django(tmp)
        from django.core.management import call_command
        from django.test import Client

        from game.importer import import_pack

        t = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrate_s = time.perf_counter() - t
        t = time.perf_counter()
        report = import_pack(args.pack, campaign="demo", score_baselines=False)
        import_s = time.perf_counter() - t
        print(f"migrate {migrate_s:.1f}s, import {import_s:.1f}s ({report.records_written} records)")

        players = {"plain": (Client(), {}), "hide_explicit": (Client(), {"hide_explicit": "1"})}
        timings: dict[str, list[float]] = {name: [] for name in players}
        hidden = {name: 0 for name in players}
        for turn in range(args.requests + 1):
            for name, (client, params) in players.items():
                t = time.perf_counter()
                response = client.get("/api/puzzle/next", params)
                elapsed = time.perf_counter() - t
                if response.status_code != 200:
                    raise SystemExit(f"puzzle/next answered {response.status_code}: {response.content[:200]!r}")
                body = response.json()
                if turn:  # the first is a warm-up
                    timings[name].append(elapsed)
                    hidden[name] += sum(c["hidden_explicit"] for c in body["clues"] + body["quantiles"])
        plain, hiding = summarise(timings["plain"]), summarise(timings["hide_explicit"])
        shares = clue_shares()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    result = {
        "pack": Path(args.pack).name,
        "requests_each": args.requests,
        "puzzle_next_plain": plain,
        "puzzle_next_hide_explicit": {**hiding, "clues_hidden": hidden["hide_explicit"]},
        "ratio_mean": round(hiding["mean_ms"] / plain["mean_ms"], 3),
        "ratio_median": round(hiding["median_ms"] / plain["median_ms"], 3),
        "clue_records_explicit": shares,
        "migrate_s": round(migrate_s, 1),
        "import_pack_s": round(import_s, 1),
        "records_imported": report.records_written,
        "database": "SQLite (scratch)",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(f"puzzle/next, {args.requests} requests each: plain mean {plain['mean_ms']} ms / median {plain['median_ms']} ms;"
          f" hide_explicit=1 mean {hiding['mean_ms']} ms / median {hiding['median_ms']} ms"
          f" (ratio {result['ratio_mean']} mean, {result['ratio_median']} median; {hidden['hide_explicit']} clues hidden)")
    for slug, s in shares.items():
        print(f"  {slug}: {s['explicit']} of {s['clue_records']} clue records explicit ({100 * s['explicit_share']:.2f}%)")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
