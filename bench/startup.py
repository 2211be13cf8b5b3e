"""Time from an installed environment to a served demo, as `scripts/start` does it:
migrate a fresh SQLite database, import the demo pack, plant the check puzzles, start
`manage.py serve`, and wait
until the puzzle page and the puzzle API answer. Then a new player plays their first ten
puzzles over HTTP (each one skipped to get the next) and the clues they were shown are judged
by the document each comes from (prose or code, from the pack's corpus_docs.json), which is
what "a new player meets English prose" means. Writes bench/results/startup.json.

    .venv/bin/python bench/startup.py [--pack packs/demo]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.demo_quality import (
    clue_mask,
    document_is_prose,
    document_starts,
    load_corpus_docs,
    record_documents,
)
from pipeline.pack import load_corpus_tokens, load_features

FIRST_PUZZLES = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def first_puzzles(base: str, n: int = FIRST_PUZZLES) -> list[dict]:
    """The features a new (anonymous) player is served first, skipping each to get the next."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/play", timeout=30).close()  # the play page sets the CSRF cookie a skip needs
    served = []
    for _ in range(n):
        with opener.open(f"{base}/api/puzzle/next", timeout=30) as r:
            puzzle = json.load(r)
        served.append({"feature": puzzle["feature"], "clues_shown": len(puzzle["clues"])})
        csrf = next((c.value for c in jar if c.name == "csrftoken"), "")
        req = urllib.request.Request(f"{base}/api/puzzle/{puzzle['puzzle_id']}/skip", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json", "X-CSRFToken": csrf,
                                              "Referer": base + "/"})
        try:
            opener.open(req, timeout=30).close()
        except urllib.error.HTTPError as e:
            raise SystemExit(f"skipping puzzle {puzzle['puzzle_id']} answered {e.code}: {e.read()[:300]!r}") from e
    return served


def judge_prose(pack: Path, served: list[dict]) -> dict:
    """Each served feature's clue records, judged by the document they come from."""
    tokens = np.asarray(load_corpus_tokens(pack))
    doc_starts = document_starts(tokens)
    doc_prose = document_is_prose(load_corpus_docs(pack), len(doc_starts))
    arrays_by_source: dict[str, dict] = {}
    clues = prose = 0
    for item in served:
        slug, index = item["feature"]["source"], item["feature"]["index"]
        a = arrays_by_source.setdefault(slug, load_features(pack, slug))
        rows = np.flatnonzero(clue_mask(a) & (a["rec_feature"] == index))
        item["prose_clues"] = int(doc_prose[record_documents(a["rec_start"][rows], doc_starts)].sum())
        item["clues"] = len(rows)
        clues += item["clues"]
        prose += item["prose_clues"]
    mostly = sum(it["prose_clues"] * 2 > it["clues"] for it in served)
    return {"puzzles": len(served), "prose_clue_share": round(prose / clues, 3) if clues else 0.0,
            "puzzles_mostly_prose": mostly, "served": served}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", default=str(ROOT / "packs" / "demo"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "startup.json"))
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="lp-startup-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env["SQLITE_PATH"] = str(tmp / "db.sqlite3")
    py = sys.executable
    t0 = time.perf_counter()
    migrate_s = timed([py, "manage.py", "migrate", "--noinput"], env)
    import_s = timed([py, "manage.py", "import_pack", args.pack, "--campaign", "demo"], env)
    plant_s = timed([py, "manage.py", "plant_features", args.pack], env)
    port = free_port()
    t_serve = time.perf_counter()
    server = subprocess.Popen([py, "manage.py", "serve", "--noreload", f"127.0.0.1:{port}"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/puzzle/next", timeout=5) as r:
                    puzzle = json.load(r)
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    assert r.status == 200
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - t_serve > 120:
                    raise SystemExit("the server did not come up")
                time.sleep(0.2)
        serve_s = time.perf_counter() - t_serve
        total = time.perf_counter() - t0
        first = judge_prose(Path(args.pack), first_puzzles(f"http://127.0.0.1:{port}"))
    finally:
        server.terminate()
        try:
            server.wait(30)  # a scoring job in flight finishes first
        except subprocess.TimeoutExpired:
            server.kill()
    db_mb = sum(f.stat().st_size for f in tmp.glob("db.sqlite3*")) / 1e6
    result = {"migrate_s": round(migrate_s, 1), "import_pack_s": round(import_s, 1), "plant_features_s": round(plant_s, 1), "serve_until_answering_s": round(serve_s, 1),
              "total_s": round(total, 1), "goal_s": 120, "sqlite_mb": round(db_mb, 1),
              "first_puzzle": puzzle["feature"], "first_ten_puzzles": first, "cpus": os.cpu_count()}
    print(f"migrate {migrate_s:.1f}s + import {import_s:.1f}s + plant {plant_s:.1f}s + serve {serve_s:.1f}s = {total:.1f}s "
          f"(goal < 120 s); database {db_mb:.0f} MB")
    print(f"a new player's first {first['puzzles']} puzzles: {first['puzzles_mostly_prose']} mostly prose, "
          f"prose share of their clues {first['prose_clue_share']:.2f}")
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
