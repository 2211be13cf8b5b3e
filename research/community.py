"""Reads for lists, stars, comments, user pages and the recent-activity feed."""

from __future__ import annotations

import heapq
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count

from game.models import Explanation, Feature
from game.services.errors import ServiceError
from research.models import Comment, FeatureList, FeatureListItem, Star
from research.services import best_explanations

ACTIVITY_SHOWN = 50


def player_named(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ServiceError(f"There is no player {username!r}.", status=404, field="user")
    return user


def _ref(feature: Feature) -> dict[str, Any]:
    return feature.ref.as_dict()


def _summary(fl: FeatureList, items: int) -> dict[str, Any]:
    return {"id": fl.pk, "name": fl.name, "description": fl.description, "owner": fl.owner.get_username(),
            "public": fl.public, "items": items, "updated": fl.updated}


def lists_of(owner, *, viewer) -> list[dict[str, Any]]:
    """The owner's lists that `viewer` may see (all of them for the owner, public ones for others)."""
    qs = FeatureList.objects.filter(owner=owner).select_related("owner").annotate(n=Count("items"))
    if getattr(viewer, "pk", None) != owner.pk:
        qs = qs.filter(public=True)
    return [_summary(fl, fl.n) for fl in qs]


def item_payload(item: FeatureListItem, explanation: str | None = None) -> dict[str, Any]:
    return {"id": item.pk, "feature": _ref(item.feature), "note": item.note, "explanation": explanation,
            "added": item.added}


def list_payload(fl: FeatureList) -> dict[str, Any]:
    """The list with every feature, each with its best visible explanation (a few queries)."""
    items = list(fl.items.select_related("feature__source__model"))
    by_model: dict[Any, list[tuple[str, int]]] = {}
    for item in items:
        by_model.setdefault(item.feature.source.model, []).append((item.feature.source.slug, item.feature.index))
    texts: dict[tuple[str, str, int], str] = {}
    for model, features in by_model.items():
        for (slug, index), text in best_explanations(model, features).items():
            texts[(model.slug, slug, index)] = text
    entries = [item_payload(i, texts.get((i.feature.source.model.slug, i.feature.source.slug, i.feature.index)))
               for i in items]
    return {**_summary(fl, len(items)), "test_text": fl.test_text, "entries": entries}


def features_of(model: str, source: str, indexes: list[int]) -> list[Feature]:
    """The features `indexes` of one source, all of which must exist (404 names the first missing)."""
    wanted = list(dict.fromkeys(indexes))
    found = {f.index: f for f in Feature.objects.filter(source__model__slug=model, source__slug=source, source__published=True,
                                                        index__in=wanted)}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ServiceError(f"No feature {missing[0]} in {model}/{source}.", status=404, field="indexes")
    return [found[i] for i in wanted]


def comment_payload(c: Comment, *, viewer) -> dict[str, Any]:
    return {"id": c.pk, "author": c.author.get_username(), "text": c.text, "created": c.created,
            "own": getattr(viewer, "pk", None) == c.author_id}


def comments_on(feature: Feature, *, viewer) -> list[dict[str, Any]]:
    return [comment_payload(c, viewer=viewer)
            for c in feature.comments.filter(hidden=False).select_related("author")]


def feature_social(feature: Feature, *, viewer) -> dict[str, Any]:
    """What the feature page shows around the dashboard: stars, the viewer's lists, comments."""
    mine = getattr(viewer, "is_authenticated", False)
    return {
        "stars": feature.stars.count(),
        "starred": mine and feature.stars.filter(user=viewer).exists(),
        "my_lists": list(FeatureList.objects.filter(owner=viewer).values("id", "name")) if mine else [],
        "comments": comments_on(feature, viewer=viewer),
    }


def player_page(user, *, viewer) -> dict[str, Any]:
    """A player's page: their lists, starred features, comments and scored explanations."""
    stars = Star.objects.filter(user=user).select_related("feature__source__model").order_by("-created")[:50]
    said = (Comment.objects.filter(author=user, hidden=False).select_related("feature__source__model")
            .order_by("-created")[:50])
    explained = (Explanation.objects.filter(author=user, hidden=False).select_related("feature__source__model")
                 .order_by("-created")[:50])
    return {
        "player": user,
        "lists": lists_of(user, viewer=viewer),
        "stars": [s.feature for s in stars],
        "comments": list(said),
        "explanations": list(explained),
    }


def recent_activity(*, user=None, limit: int = ACTIVITY_SHOWN) -> list[dict[str, Any]]:
    """The newest comments, public lists (made or changed), stars and scored explanations, merged
    newest first; only `user`'s when given. Hidden comments and explanations are left out."""
    def only(qs, field):
        return qs.filter(**{field: user}) if user is not None else qs

    feature = "feature__source__model"
    streams = [
        ({"kind": "comment", "at": c.created, "user": c.author.get_username(), "feature": _ref(c.feature),
          "text": c.text}
         for c in only(Comment.objects.filter(hidden=False), "author").select_related("author", feature)
         .order_by("-created")[:limit]),
        ({"kind": "list", "at": fl.updated, "user": fl.owner.get_username(), "list_id": fl.pk, "list_name": fl.name}
         for fl in only(FeatureList.objects.filter(public=True), "owner").select_related("owner")
         .order_by("-updated")[:limit]),
        ({"kind": "star", "at": s.created, "user": s.user.get_username(), "feature": _ref(s.feature)}
         for s in only(Star.objects.all(), "user").select_related("user", feature).order_by("-created")[:limit]),
        ({"kind": "explanation", "at": e.created, "user": e.author.get_username(), "feature": _ref(e.feature),
          "text": e.text}
         for e in only(Explanation.objects.filter(hidden=False, author__isnull=False, score_value__isnull=False)
                       .exclude(feature__planted__active=True), "author").select_related("author", feature).order_by("-created")[:limit]),
    ]
    merged = heapq.merge(*streams, key=lambda entry: entry["at"], reverse=True)
    return [entry for _, entry in zip(range(limit), merged)]


