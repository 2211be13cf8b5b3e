"""After a load run: does the database hold exactly what the server acknowledged?

Run in a subprocess with the topology's environment (the ORM against its database):

    python -m bench.db_checks drain --in acks.json --timeout 180   # wait for the players' scoring
    python -m bench.db_checks check --in acks.json --out checks.json

`acks.json` holds what the players were told (`bench.load` writes it): acknowledged votes,
explanations and skips, the player ids, the boards and /api/me answers read after the run, and
the ids of the jobs a fault interrupted. Every check returns `{"ok": bool, ...numbers}`.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

SCORE_JOB = "score_explanation"


def _score_jobs(user_ids: list[int]):
    """The scoring jobs of explanations written by these players (dedupe key `score:<id>`)."""
    from game.models import Score
    from jobs.models import Job

    score_ids = Score.objects.filter(explanation__author_id__in=user_ids).values_list("id", flat=True)
    return Job.objects.filter(name=SCORE_JOB, dedupe_key__in=[f"score:{s}" for s in score_ids])


def drain(user_ids: list[int], *, timeout_s: float) -> dict[str, Any]:
    """Wait until no scoring job of these players is ready or running; how long it took."""
    start = time.monotonic()
    while True:
        live = _score_jobs(user_ids).filter(status__in=["ready", "running"]).count()
        if live == 0 or time.monotonic() - start > timeout_s:
            return {"drained": live == 0, "left": live, "waited_s": round(time.monotonic() - start, 1)}
        time.sleep(1.0)


def check_votes(acks: dict[str, Any]) -> dict[str, Any]:
    """Every acknowledged vote is one Vote row, and the denormalised counts match the rows."""
    from django.db.models import Count, Q

    from game.models import Explanation, Feature, Vote

    pairs = {(v["user_id"], v["explanation_id"]) for v in acks["votes"]}
    rows = Counter(
        Vote.objects.filter(user_id__in=acks["user_ids"]).values_list("user_id", "explanation_id")
    )
    missing = [p for p in pairs if rows.get(p, 0) == 0]
    duplicated = [p for p, n in rows.items() if n > 1]
    unacknowledged = [p for p in rows if p not in pairs]
    touched = {e for _, e in rows}
    explanation_drift = [
        (e.pk, e.vote_count, e.counted)
        for e in Explanation.objects.filter(pk__in=touched).annotate(counted=Count("votes", filter=Q(votes__counted=True)))
        if e.vote_count != e.counted
    ]
    # The feature ids first: filtering and counting over the same relation would count only
    # the votes on the explanations filtered for.
    feature_ids = set(Explanation.objects.filter(pk__in=touched).values_list("feature_id", flat=True))
    features = Feature.objects.filter(pk__in=feature_ids).annotate(
        counted=Count("explanations__votes", filter=Q(explanations__votes__counted=True))
    )
    feature_drift = [(f.pk, f.vote_count, f.counted) for f in features if f.vote_count != f.counted]
    return {
        "ok": not (missing or duplicated or explanation_drift or feature_drift),
        "acknowledged": len(pairs), "acknowledged_calls": len(acks["votes"]), "rows": sum(rows.values()),
        "missing": len(missing), "duplicated": len(duplicated),
        "committed_unacknowledged": len(unacknowledged),
        "explanation_count_drift": len(explanation_drift), "feature_count_drift": len(feature_drift),
        "examples": {"missing": missing[:5], "duplicated": duplicated[:5],
                     "explanation_count_drift": explanation_drift[:5], "feature_count_drift": feature_drift[:5]},
    }


def check_explanations(acks: dict[str, Any]) -> dict[str, Any]:
    """Every acknowledged explanation is one row with the player's text; no text twice on a feature."""
    from django.db.models import Count

    from game.models import Explanation
    from game.services.explanations import DRAFT_PROMOTION_VOTES
    from game.text import clean_explanation

    acked = {e["id"]: e for e in acks["explanations"]}
    rows = {e.pk: e for e in Explanation.objects.filter(pk__in=acked).select_related("feature__source__model")}
    missing, wrong, status_wrong = [], [], []
    for pk, ack in acked.items():
        row = rows.get(pk)
        if row is None:
            missing.append(pk)
            continue
        f = ack["feature"]
        if (row.author_id != ack["user_id"] or row.text != clean_explanation(ack["text"])
                or (row.feature.source.model.slug, row.feature.source.slug, row.feature.index)
                != (f["model"], f["source"], f["index"])):
            wrong.append(pk)
        # Queued stays out of drafts; a draft leaves them only when players vouch for it with votes.
        if ack["status"] == "queued" and row.status == Explanation.Status.DRAFT:
            status_wrong.append(pk)
        if ack["status"] == "draft" and row.status != Explanation.Status.DRAFT and row.vote_count < DRAFT_PROMOTION_VOTES:
            status_wrong.append(pk)
    ours = Explanation.objects.filter(author_id__in=acks["user_ids"])
    feature_ids = set(ours.values_list("feature_id", flat=True))
    same_text = list(
        Explanation.objects.filter(feature_id__in=feature_ids).values("feature_id", "text")
        .annotate(n=Count("id")).filter(n__gt=1)
    )
    near = list(
        ours.values("feature_id", "normalized_text").annotate(n=Count("id")).filter(n__gt=1)
    )
    committed = set(ours.values_list("id", flat=True))
    return {
        "ok": not (missing or wrong or same_text or status_wrong),
        "acknowledged": len(acked), "queued": sum(e["status"] == "queued" for e in acked.values()),
        "drafts": sum(e["status"] == "draft" for e in acked.values()),
        "duplicate_attempts_refused_409": acks.get("duplicates_409", 0),
        "missing": len(missing), "wrong_content": len(wrong), "status_wrong": len(status_wrong),
        "duplicate_rows": len(same_text),
        # Near-duplicates (same normalized text) are refused by a check, not a constraint, so two
        # submissions racing may both pass: reported, not counted as a loss or a duplicate row.
        "near_duplicate_pairs": len(near),
        "committed_unacknowledged": len(committed - set(acked)),
        "examples": {"missing": missing[:5], "wrong": wrong[:5], "status_wrong": status_wrong[:5],
                     "duplicate_rows": same_text[:5]},
    }


def check_daily_limit(acks: dict[str, Any]) -> dict[str, Any]:
    """No player took more of today's allowance than the limit, whatever the concurrency."""
    from game.models import DailyCounter, Explanation
    from game.services.counters import utc_today
    from game.services.explanations import DRAFT_PROMOTION_VOTES, daily_limit

    limit = daily_limit()
    used = dict(DailyCounter.objects.filter(
        user_id__in=acks["user_ids"], kind=DailyCounter.Kind.SCORED_EXPLANATIONS, day=utc_today()
    ).values_list("user_id", "used"))
    told_queued = Counter(e["user_id"] for e in acks["explanations"] if e["status"] == "queued")
    non_draft: Counter[int] = Counter()
    vouched: Counter[int] = Counter()
    for author, votes in (Explanation.objects.filter(author_id__in=acks["user_ids"])
                          .exclude(status=Explanation.Status.DRAFT).values_list("author_id", "vote_count")):
        non_draft[author] += 1
        vouched[author] += votes >= DRAFT_PROMOTION_VOTES
    over_counter = {u: n for u, n in used.items() if n > limit}
    over_told = {u: n for u, n in told_queued.items() if n > limit}
    # Drafts that other players voted for are queued whatever the author's allowance (the rule).
    over_rows = {u: n for u, n in non_draft.items() if n - vouched[u] > limit}
    return {
        "ok": not (over_counter or over_told or over_rows),
        "limit": limit, "players_at_limit": sum(n == limit for n in used.values()),
        "max_used": max(used.values(), default=0), "max_told_queued": max(told_queued.values(), default=0),
        "players_over_limit": len(set(over_counter) | set(over_told) | set(over_rows)),
        "examples": {"counter": list(over_counter.items())[:5], "told": list(over_told.items())[:5],
                     "rows": list(over_rows.items())[:5]},
    }


def _ledger_mark() -> tuple[int, int, int]:
    from django.db.models import Count, Max, Sum

    from game.models import PointsEvent

    a = PointsEvent.objects.aggregate(n=Count("id"), last=Max("id"), total=Sum("points"))
    return a["n"], a["last"] or 0, a["total"] or 0


def read_while_still(base_url: str, me_tokens: list[str], attempts: int = 20) -> dict[str, Any]:
    """The boards and some players' /api/me, read through the balancer, each at a moment the
    ledger did not change around it (workers go on scoring baselines, which may pay voters),
    so each answer can be compared with the ledger read just after."""
    import httpx

    def still(get):
        for attempt in range(attempts):
            before = _ledger_mark()
            value = get()
            if _ledger_mark() == before:
                return value, attempt + 1
            time.sleep(0.2)
        return value, None

    out: dict[str, Any] = {"boards": {}, "me": [], "unsteady": 0}
    with httpx.Client(base_url=base_url, timeout=30, trust_env=False) as client:
        def get(path, **kw):
            r = client.get(path, **kw)
            r.raise_for_status()
            return r.json()

        for period in ("day", "week", "all"):
            (board, ledger), tries = still(lambda p=period: (get("/api/leaderboard", params={"period": p})["entries"],
                                                             _board_from_ledger(p)))
            out["boards"][period] = {"shown": board, "ledger": ledger, "steady": tries is not None}
            out["unsteady"] += tries is None
        for token in me_tokens:
            (me, ledger), tries = still(
                lambda t=token: _me_and_ledger(get("/api/me", headers={"Authorization": f"Bearer {t}"})))
            out["me"].append({"shown": me, "ledger": ledger, "steady": tries is not None})
            out["unsteady"] += tries is None
    return out


def _board_from_ledger(period: str, limit: int = 50) -> list[list[Any]]:
    from django.contrib.auth import get_user_model
    from django.db.models import Q, Sum

    from game.services.points import period_start

    start = period_start(period)
    filt = Q(points_events__created__gte=start) if start is not None else Q()
    return [list(row) for row in
            get_user_model().objects.filter(is_active=True).annotate(total=Sum("points_events__points", filter=filt))
            .filter(total__gt=0).order_by("-total", "username").values_list("username", "total")[:limit]]


def _me_and_ledger(me: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    from django.db.models import Sum

    from game.models import PointsEvent
    from game.services.points import period_start

    ledger = {}
    for field, period in (("points", "all"), ("points_today", "day"), ("points_week", "week")):
        qs = PointsEvent.objects.filter(user__username=me["username"])
        start = period_start(period)
        if start is not None:
            qs = qs.filter(created__gte=start)
        ledger[field] = qs.aggregate(s=Sum("points"))["s"] or 0
    return {k: me.get(k) for k in ledger} | {"username": me["username"]}, ledger


def check_points(acks: dict[str, Any]) -> dict[str, Any]:
    """The boards and /api/me, read through the balancer after the run, are sums of the
    PointsEvent ledger; no award was paid twice."""
    from django.db.models import Count, Sum

    from game.models import PointsEvent

    reads = read_while_still(acks["base_url"], acks.get("me_tokens", []))
    mismatches: list[Any] = []
    compared = 0
    for period, b in reads["boards"].items():
        shown = [[e["username"], e["points"]] for e in b["shown"]]
        compared += len(shown)
        if shown != b["ledger"][:len(shown)] or len(shown) != min(len(b["ledger"]), 50):
            mismatches.append({"period": period, "shown": shown[:5], "ledger": b["ledger"][:5]})
    for m in reads["me"]:
        for field, total in m["ledger"].items():
            compared += 1
            if m["shown"][field] != total:
                mismatches.append({"username": m["shown"]["username"], "field": field, "shown": m["shown"][field],
                                   "ledger": total})
    # An award paid twice would break a unique constraint; counted anyway, from the rows.
    twice = (PointsEvent.objects.filter(user_id__in=acks["user_ids"]).exclude(reason__in=["vote_received", "reversed", "restored"])
             .values("user_id", "reason", "explanation_id").annotate(n=Count("id")).filter(n__gt=1).count())
    events = PointsEvent.objects.filter(user_id__in=acks["user_ids"])
    return {
        "ok": not mismatches and not twice and not reads["unsteady"],
        "compared": compared, "mismatches": len(mismatches), "awards_paid_twice": twice,
        # Reads during which the ledger kept changing, 20 tries running: not comparable.
        "unsteady_reads": reads["unsteady"],
        "events": events.count(), "points": events.aggregate(s=Sum("points"))["s"] or 0,
        "by_reason": dict(Counter(events.values_list("reason", flat=True))),
        "examples": mismatches[:5],
    }


def check_scoring(acks: dict[str, Any], *, drained: bool | None = None) -> dict[str, Any]:
    """Every explanation of the players' that left the drafts was scored by exactly one job run,
    except the jobs a fault interrupted, which ran once more and were written once."""
    from game.models import Explanation, LlmUsage, Score
    from jobs.models import Job
    from jobs.worker import DATABASE_LOST_MESSAGE

    interrupted = set(acks.get("interrupted_job_ids", []))
    explanations = list(Explanation.objects.filter(author_id__in=acks["user_ids"]).exclude(status=Explanation.Status.DRAFT))
    scores = defaultdict(list)
    for s in Score.objects.filter(explanation__in=explanations):
        scores[s.explanation_id].append(s)
    jobs_by_key = defaultdict(list)
    for j in Job.objects.filter(name=SCORE_JOB, dedupe_key__in=[f"score:{s.pk}" for ss in scores.values() for s in ss]):
        jobs_by_key[j.dedupe_key].append(j)
        # A job claimed while the database was going down is not among the ids the fault saw
        # running, but its worker says so when it hands the job back.
        if j.last_error.startswith(DATABASE_LOST_MESSAGE):
            interrupted.add(j.pk)
    no_score, unfinished, failed, done_twice, rerun, no_job = [], [], [], [], [], []
    for e in explanations:
        mine = scores.get(e.pk, [])
        if not mine:
            no_score.append(e.pk)  # half-written: left the drafts with nothing to score it
            continue
        for s in mine:
            jobs = jobs_by_key.get(f"score:{s.pk}", [])
            if not jobs and s.status in ("pending", "waiting_budget"):
                no_job.append(s.pk)
            if s.status in ("pending", "waiting_budget") or any(j.status in ("ready", "running") for j in jobs):
                unfinished.append(s.pk)
            if s.status == "failed" or any(j.status == "failed" for j in jobs):
                failed.append(s.pk)
            if sum(j.status == "done" for j in jobs) > 1:
                done_twice.append(s.pk)
            for j in jobs:
                if j.attempts > 1 and j.pk not in interrupted:
                    rerun.append(j.pk)
            if s.attempts > 1 and not any(j.pk in interrupted for j in jobs):
                rerun.append(f"score {s.pk}")
    charged_twice = sum(1 for _, n in Counter(
        LlmUsage.objects.filter(explanation__in=explanations, purpose="score").values_list("explanation_id", "method")
    ).items() if n > 1)
    reclaimed = Job.objects.filter(pk__in=interrupted)
    # When each acknowledged explanation's score was written, for the websocket check in
    # bench.load (did the author's open socket hear it?).
    acked = [e["id"] for e in acks["explanations"]]
    finished = {
        e: f.timestamp() for e, f in Score.objects.filter(explanation_id__in=acked, finished__isnull=False)
        .values_list("explanation_id", "finished")
    }
    return {
        "ok": not (no_score or unfinished or failed or done_twice or rerun or no_job or charged_twice),
        "explanations": len(explanations), "scores": sum(len(v) for v in scores.values()),
        "jobs": sum(len(v) for v in jobs_by_key.values()), "drained": drained,
        "unfinished": len(unfinished), "failed": len(failed), "no_score": len(no_score), "no_job": len(no_job),
        "done_twice": len(done_twice), "run_twice_unexpectedly": len(rerun), "charged_twice": charged_twice,
        "interrupted_jobs": [{"id": j.pk, "status": j.status, "attempts": j.attempts} for j in reclaimed],
        "finished_at": finished,
        "examples": {"unfinished": unfinished[:5], "failed": failed[:5], "rerun": rerun[:5], "no_score": no_score[:5]},
    }


def check_skips(acks: dict[str, Any]) -> dict[str, Any]:
    from game.models import PuzzleView

    acked = {s["puzzle_id"]: s["user_id"] for s in acks["skips"]}
    rows = dict(PuzzleView.objects.filter(pk__in=acked).values_list("pk", "action"))
    owners = dict(PuzzleView.objects.filter(pk__in=acked).values_list("pk", "user_id"))
    lost = [p for p in acked if rows.get(p) not in ("skip", "flag") or owners.get(p) != acked[p]]
    return {"ok": not lost, "acknowledged": len(acked), "lost": len(lost), "examples": lost[:5]}


def run_checks(acks: dict[str, Any], *, drained: bool | None = None) -> dict[str, Any]:
    checks = {
        "votes": check_votes(acks),
        "explanations": check_explanations(acks),
        "skips": check_skips(acks),
        "daily_limit": check_daily_limit(acks),
        "points": check_points(acks),
        "scoring": check_scoring(acks, drained=drained),
    }
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["drain", "check"])
    parser.add_argument("--in", dest="inp", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--drained", choices=["yes", "no"], default=None)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "latentpedia.settings")
    import django

    django.setup()
    acks = json.loads(args.inp.read_text())
    if args.mode == "drain":
        result = drain(acks["user_ids"], timeout_s=args.timeout)
    else:
        result = run_checks(acks, drained=None if args.drained is None else args.drained == "yes")
    text = json.dumps(result, default=str)
    if args.out:
        args.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
