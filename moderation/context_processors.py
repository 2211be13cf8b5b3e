"""Warnings a moderator gave the player, shown on every page until acknowledged; and whether
to show the moderation link."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from moderation.models import is_moderator
from moderation.selectors import warnings_for


def moderation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"moderation_warnings": warnings_for(user), "is_moderator": is_moderator(user)}
