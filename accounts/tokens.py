"""API tokens: created and revoked by their owner; checked on `Authorization: Bearer`."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import ApiToken


def api_token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token; the raw value is returned once and never stored."""
    name = (name or "").strip()[:100] or "API token"
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash(raw), hint=raw[:10])
    return token, raw


def api_token_revoke(*, user, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when there is no such live token."""
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked__isnull=True).update(revoked=timezone.now())
    )


def api_token_user(raw: str):
    """The active user owning the live token `raw`, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash(raw), revoked__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    # At most one write a minute per token: reads stay cheap for busy scripts.
    now = timezone.now()
    if token.last_used is None or (now - token.last_used).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
    return token.user
