"""What the moderation page and API read: cases with their reports, puzzle flags per feature,
the audit log, and a player's unacknowledged warnings."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Prefetch, Q

from game.models import Feature, PuzzleView
from moderation.models import AuditEntry, Case, Report

STATES = tuple(Case.State.values)


def _target(case: Case) -> dict[str, Any]:
    if case.kind == Case.Kind.EXPLANATION:
        e = case.explanation
        author = e.author.get_username() if e.author_id else e.author_model
        return {
            "kind": case.kind, "id": e.pk, "text": e.text, "author": author, "author_id": e.author_id,
            "author_active": e.author.is_active if e.author_id else None,
            "hidden": e.hidden, "moderator_hidden": e.moderator_hidden, "feature": str(e.feature.ref),
            "feature_url": e.feature.get_absolute_url(),
        }
    if case.kind == Case.Kind.COMMENT:
        c = case.comment
        return {
            "kind": case.kind, "id": c.pk, "text": c.text, "author": c.author.get_username(), "author_id": c.author_id,
            "author_active": c.author.is_active, "hidden": c.hidden, "moderator_hidden": c.hidden and not case.auto_hidden,
            "feature": str(c.feature.ref), "feature_url": c.feature.get_absolute_url() + f"#comment-{c.pk}",
        }
    user = case.user
    return {"kind": case.kind, "id": user.pk, "username": user.get_username(), "banned": not user.is_active}


def cases(state: str = "open", *, limit: int = 100) -> list[dict[str, Any]]:
    """Cases in `state`, each with its target and reports; open ones weightiest first."""
    qs = (
        Case.objects.filter(state=state)
        .select_related("explanation__author", "explanation__feature__source__model", "user",
                        "comment__author", "comment__feature__source__model")
        .prefetch_related(Prefetch("reports", queryset=Report.objects.select_related("reporter")))
        .annotate(pending=Count("reports", filter=Q(reports__outcome="")))
        .order_by("-pending", "-updated")[:limit]
    )
    out = []
    for case in qs:
        reports = list(case.reports.all())
        out.append({
            "id": case.pk, "state": case.state, "auto_hidden": case.auto_hidden, "target": _target(case),
            "weight": round(sum(r.weight for r in reports if not r.outcome), 3),
            "reports": [
                {"by": r.reporter.get_username(), "reason": r.reason, "note": r.note, "weight": r.weight,
                 "outcome": r.outcome or "pending", "created": r.created}
                for r in reports
            ],
            "updated": case.updated,
        })
    return out


def state_counts() -> dict[str, int]:
    counts = dict(Case.objects.values_list("state").annotate(n=Count("pk")))
    return {state: counts.get(state, 0) for state in STATES}


def feature_flags(*, limit: int = 50) -> list[dict[str, Any]]:
    """Puzzle flags ("none fit", "does several things", "explicit") counted per feature."""
    rows = (
        PuzzleView.objects.filter(action=PuzzleView.Action.FLAG)
        .values("feature_id", "reason").annotate(n=Count("pk"), last=Max("updated"))
    )
    per_feature: dict[int, dict[str, Any]] = defaultdict(lambda: {"counts": {}, "total": 0, "last": None})
    for row in rows:
        entry = per_feature[row["feature_id"]]
        entry["counts"][row["reason"] or "unspecified"] = row["n"]
        entry["total"] += row["n"]
        entry["last"] = max(filter(None, [entry["last"], row["last"]]))
    top = sorted(per_feature.items(), key=lambda kv: (-kv[1]["total"], kv[0]))[:limit]
    features = Feature.objects.select_related("source__model").in_bulk([fid for fid, _ in top])
    return [
        {"feature": str(features[fid].ref), "feature_url": features[fid].get_absolute_url(),
         **{reason: entry["counts"].get(reason, 0) for reason in PuzzleView.Reason.values}, **entry}
        for fid, entry in top if fid in features
    ]


def audit_log(*, limit: int = 100) -> list[AuditEntry]:
    return list(AuditEntry.objects.all()[:limit])


def audit_payload(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.pk, "moderator": entry.moderator_name or None, "action": entry.action,
        "target": {"kind": entry.target_kind, "id": entry.target_id, "label": entry.target_label},
        "reason": entry.reason, "created": entry.created,
    }


def blocked_words() -> list[str]:
    from accounts.models import BlockedWord

    return list(BlockedWord.objects.order_by("word").values_list("word", flat=True))


def warnings_for(user) -> list[AuditEntry]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(AuditEntry.objects.filter(warned_user=user, acknowledged=False).order_by("created"))
