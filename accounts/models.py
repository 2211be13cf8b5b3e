"""Per-player settings, API tokens, and the moderators' list of refused words."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models


class Profile(models.Model):
    """Game preferences. Created on first use (`accounts.profiles.profile_for`)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    # Default shows everything; the player opts in to hiding (asked during onboarding).
    hide_explicit = models.BooleanField(default=False)
    advanced_mode = models.BooleanField(default=False)
    onboarded = models.BooleanField(default=False)
    # Scores that finish while the player is away are told on their next visit; the page moves
    # this mark once it has shown them (or shown a score live).
    results_seen_until = models.DateTimeField(
        null=True, blank=True, help_text="Scores finished up to this moment have been shown to the player"
    )

    def __str__(self) -> str:
        return f"profile of {self.user}"

    def preferences(self) -> dict[str, bool]:
        return {"hide_explicit": self.hide_explicit, "advanced_mode": self.advanced_mode, "onboarded": self.onboarded}


class ApiToken(models.Model):
    """A Bearer token for the JSON API. Only its SHA-256 is stored; the raw token is shown once."""

    PREFIX = "lp_"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, so a player can tell their tokens apart.
    hint = models.CharField(max_length=12, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @staticmethod
    def hash(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


class BlockedWord(models.Model):
    """A word moderators refuse in usernames and texts, on top of better-profanity's own list.
    Changed only through `accounts.blocked_words`, which tells every process to reload."""

    word = models.CharField(max_length=50, unique=True, help_text="Lowercase letters, digits and spaces")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["word"]

    def __str__(self) -> str:
        return self.word
