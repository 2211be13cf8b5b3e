"""Everything kept about one player, as one JSON-ready dict: what `GET /api/me/data` downloads.

A selector across apps: accounts' profile and tokens, allauth's addresses and linked logins, and
the game's rows are read here (the game may read accounts; accounts may not read the game).
Apps built on the game (moderation: the reports a player filed, the warnings they got) add
their part from their own `player_data` module with `player_data_section`, found on first use
as each app's `jobs` module is, so the game never imports them. When a new table keeps
something about a player, it belongs in the download too: the privacy page promises everything.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.utils.module_loading import autodiscover_modules

from accounts.models import ApiToken, Profile
from game.models import DailyCounter, DeletedExplanation, Explanation, PointsEvent, PuzzleView, Vote

FORMAT_VERSION = 1
# How a row names its feature, for `.values()` queries (no model instances for thousands of rows).
_FEATURE = ("feature__source__model__slug", "feature__source__slug", "feature__index")

Section = Callable[[Any], list[dict[str, Any]]]
_sections: dict[str, Section] = {}


def player_data_section(name: str) -> Callable[[Section], Section]:
    """Register `builder(user) -> rows` as the download's `name` part (from an app's `player_data`)."""

    def register(builder: Section) -> Section:
        _sections[name] = builder
        return builder

    return register


@lru_cache(maxsize=1)
def _discover_sections() -> None:
    autodiscover_modules("player_data")


def player_data(user) -> dict[str, Any]:
    """The player's account, contributions and game history; nothing of any other player."""
    _discover_sections()
    data = _game_data(user)
    for name, builder in _sections.items():
        if name in data:
            raise RuntimeError(f"Two parts of the player's data are both called {name!r}.")
        data[name] = builder(user)
    return data


def _game_data(user) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "account": _account(user),
        "explanations": _explanations(user),
        "deleted_explanations": _deleted_explanations(user),
        "votes": [
            {"explanation_id": v["explanation_id"], "created": iso(v["created"])}
            for v in Vote.objects.filter(user=user).order_by("created", "pk").values("explanation_id", "created")
        ],
        "points_events": [
            {"reason": p["reason"], "points": p["points"], "explanation_id": p["explanation_id"],
             "created": iso(p["created"])}
            for p in PointsEvent.objects.filter(user=user).order_by("created", "pk")
            .values("reason", "points", "explanation_id", "created")
        ],
        "puzzle_views": [
            {"feature": _feature(v), "action": v["action"], "reason": v["reason"], "created": iso(v["created"]),
             "updated": iso(v["updated"])}
            for v in PuzzleView.objects.filter(user=user).order_by("created", "pk")
            .values(*_FEATURE, "action", "reason", "created", "updated")
        ],
        "daily_counters": [
            {"day": iso(c["day"]), "kind": c["kind"], "used": c["used"]}
            for c in DailyCounter.objects.filter(user=user).order_by("day", "kind").values("day", "kind", "used")
        ],
    }


def _account(user) -> dict[str, Any]:
    # Read, not created: a download must not write. A player who never changed a preference has the defaults.
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    return {
        "username": user.get_username(),
        "email": user.email,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
        "preferences": profile.preferences(),
        "email_addresses": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "linked_logins": [
            {"provider": s.provider, "uid": s.uid, "date_joined": iso(s.date_joined),
             "last_login": iso(s.last_login), "extra_data": s.extra_data}
            for s in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        # Never the token itself: only its hash is kept, and that is no use to anyone.
        "api_tokens": [
            {"name": t.name, "hint": t.hint, "created": iso(t.created), "last_used": iso(t.last_used),
             "revoked": iso(t.revoked)}
            for t in ApiToken.objects.filter(user=user).order_by("created", "pk")
        ],
    }


def _explanations(user) -> list[dict[str, Any]]:
    rows = (
        Explanation.objects.filter(author=user).order_by("created", "pk")
        .values("pk", *_FEATURE, "text", "status", "hidden", "score_value", "score_method", "vote_count", "created")
    )
    return [
        {"id": e["pk"], "feature": _feature(e), "text": e["text"], "status": e["status"], "hidden": e["hidden"],
         "score": e["score_value"], "score_method": e["score_method"] or None, "votes": e["vote_count"],
         "created": iso(e["created"])}
        for e in rows
    ]


def _deleted_explanations(user) -> list[dict[str, Any]]:
    # Kept so that deleting and resubmitting cannot earn the same points again (normalised text only).
    rows = (
        DeletedExplanation.objects.filter(author=user).order_by("created", "pk")
        .values(*_FEATURE, "normalized_text", "created")
    )
    return [{"feature": _feature(d), "normalized_text": d["normalized_text"], "created": iso(d["created"])}
            for d in rows]


def _feature(row: dict[str, Any]) -> dict[str, Any]:
    model, source, index = (row[key] for key in _FEATURE)
    return {"model": model, "source": source, "index": index}


def iso(value: datetime | date | None) -> str | None:
    """A date or time as the download writes it (ISO 8601); None stays None."""
    return value.isoformat() if value is not None else None
