"""Reading and changing a player's preferences."""

from __future__ import annotations

from typing import Any

from django.db import connection

from accounts.models import Profile
from sqlreads import table

PREFERENCE_FIELDS = ("hide_explicit", "advanced_mode", "onboarded")


def profile_for(user) -> Profile:
    """The user's profile, created with the defaults on first use."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def hides_explicit(user) -> bool:
    """Read on every puzzle: written out, as the ORM's query costs more to build than to run."""
    if user is None or not user.is_authenticated:
        return False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT hide_explicit FROM {table(Profile)} WHERE user_id = %s", [user.pk])
        row = cursor.fetchone()
    return bool(row and row[0])


def preferences_update(*, user, changes: dict[str, Any]) -> Profile:
    """Set some preferences. ValueError names the first unknown or non-boolean field."""
    for name, value in changes.items():
        if name not in PREFERENCE_FIELDS:
            raise ValueError(f"Unknown preference {name!r}; known: {', '.join(PREFERENCE_FIELDS)}.", name)
        if not isinstance(value, bool):
            raise ValueError(f"Preference {name!r} must be true or false.", name)
    profile = profile_for(user)
    if changes:
        Profile.objects.filter(pk=profile.pk).update(**changes)
        profile.refresh_from_db()
    return profile
