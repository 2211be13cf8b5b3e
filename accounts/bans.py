"""Banning a player from the site: the account is deactivated, which refuses every later
request (an inactive user's session and Bearer tokens authenticate nobody), and their
sessions and tokens are ended now rather than left to expire. What a ban does to the game
(votes and explanations that stop counting) is the game's; the moderation app does both."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiToken


def _sessions_end(user) -> int:
    # Sessions are rows of encoded data: finding a user's means decoding the live ones.
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            # Through the session engine, so a cached copy (cached_db) goes too.
            import_module(settings.SESSION_ENGINE).SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


def account_ban(user) -> bool:
    """Deactivate the account and end its sessions and tokens. False when already banned."""
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        ApiToken.objects.filter(user_id=user.pk, revoked__isnull=True).update(revoked=timezone.now())
    was_active = user.is_active
    user.is_active = False
    _sessions_end(user)
    return was_active


def account_unban(user) -> bool:
    """Let the player log in again (their old sessions and tokens stay ended). False when the
    account was active."""
    was_inactive = not user.is_active
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True
    return was_inactive
