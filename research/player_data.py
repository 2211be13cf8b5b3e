"""Research's part of a player's data download (`GET /api/me/data`, built by
`game.player_data`, which finds this module by its name): their lists, stars, comments and
uploaded SAEs."""

from __future__ import annotations

from typing import Any

from game.player_data import iso, player_data_section
from research.models import Comment, FeatureList, SourceUpload, Star


@player_data_section("lists")
def lists_kept(user) -> list[dict[str, Any]]:
    rows = FeatureList.objects.filter(owner=user).prefetch_related("items__feature__source__model").order_by("created")
    return [
        {"name": fl.name, "description": fl.description, "test_text": fl.test_text, "public": fl.public,
         "created": iso(fl.created),
         "items": [{"feature": str(i.feature.ref), "note": i.note, "added": iso(i.added)} for i in fl.items.all()]}
        for fl in rows
    ]


@player_data_section("stars")
def stars_given(user) -> list[dict[str, Any]]:
    rows = Star.objects.filter(user=user).select_related("feature__source__model").order_by("created")
    return [{"feature": str(s.feature.ref), "created": iso(s.created)} for s in rows]


@player_data_section("comments")
def comments_written(user) -> list[dict[str, Any]]:
    rows = Comment.objects.filter(author=user).select_related("feature__source__model").order_by("created")
    return [{"feature": str(c.feature.ref), "text": c.text, "hidden": c.hidden, "created": iso(c.created)}
            for c in rows]


@player_data_section("uploads")
def sources_uploaded(user) -> list[dict[str, Any]]:
    rows = SourceUpload.objects.filter(user=user).select_related("model").order_by("created")
    return [{"model": u.model.slug, "slug": u.slug, "description": u.description, "status": u.status,
             "error": u.error, "hook_point": u.hook_point, "width": u.width, "size_bytes": u.size_bytes,
             "created": iso(u.created)} for u in rows]
