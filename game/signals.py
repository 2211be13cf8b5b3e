"""The game's side of account events.

Logging in: an explanation typed before login is submitted as the
player gets in (see `game.pending`), and the login then lands on that puzzle.

Django's `user_logged_in`, not allauth's: password login, signup and OAuth all send it from
inside `login()`, before allauth works out where to redirect, so the resume URL set here is
read by `accounts.adapters.AccountAdapter` for this very login. (allauth's own signal comes
after the redirect is built.)

Deleting a user: `game.services.players.player_delete` runs first (`pre_delete`).
Deactivating or reactivating one: `game.services.standing.player_standing_follow` (`post_save`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.adapters import resume_after_login
from game.pending import PENDING_KEY, PENDING_RESULT_KEY, pending_resume_url, pending_submit
from game.services.players import player_delete
from game.services.standing import player_standing_follow


@receiver(user_logged_in, dispatch_uid="game.submit_pending_explanation")
def submit_pending_explanation(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    pending = request.session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict):
        return
    request.session[PENDING_RESULT_KEY] = pending_submit(user=user, pending=pending)
    url = pending_resume_url(pending)
    if url:
        resume_after_login(request, url)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="game.player_delete")
def anonymise_deleted_player(sender, instance, **kwargs) -> None:
    """Runs inside the deletion's transaction, for every way a user is deleted (admin, shell,
    the account page), so `accounts` can delete a user without knowing the game exists."""
    player_delete(instance)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="game.player_standing")
def follow_account_standing(sender, instance, update_fields=None, **kwargs) -> None:
    """An account deactivated any way (a moderator's ban, or staff in the admin) stops its
    votes and explanations counting; reactivated, they count again."""
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. a login's last_login: nothing about standing changed
    player_standing_follow(instance)
