"""Moderation's part of a player's data download (`GET /api/me/data`, built by
`game.player_data`, which finds this module by its name): the reports the player filed and the
warnings they were given. Never who moderated, nor what others reported about them."""

from __future__ import annotations

from typing import Any

from game.player_data import iso, player_data_section
from moderation.models import AuditEntry, Report


@player_data_section("reports")
def reports_filed(user) -> list[dict[str, Any]]:
    rows = Report.objects.filter(reporter=user).select_related("case").order_by("created", "pk")
    return [
        {"target": {"kind": r.case.kind, "id": r.case.target_id}, "reason": r.reason, "note": r.note,
         "outcome": r.outcome or None, "created": iso(r.created)}
        for r in rows
    ]


@player_data_section("warnings")
def warnings_received(user) -> list[dict[str, Any]]:
    rows = AuditEntry.objects.filter(warned_user=user, action=AuditEntry.Action.WARN).order_by("created", "pk")
    return [{"reason": w.reason, "acknowledged": w.acknowledged, "created": iso(w.created)} for w in rows]
