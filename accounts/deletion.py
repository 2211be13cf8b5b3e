"""Deleting a player's account.

What the rest of the site keeps of a deleted player (the game's anonymous explanations and
counted votes) is decided by the receivers of `pre_delete` on the user model, so this module
needs to know nothing of it; everything else tied to the user row cascades away with it.
"""

from __future__ import annotations

from django.contrib.auth import logout
from django.http import HttpRequest


def account_delete(*, request: HttpRequest) -> str:
    """Delete the logged-in player's account and log them out; returns the username."""
    user = request.user
    username = user.get_username()
    # One transaction inside: Django sends `pre_delete` within the delete's own atomic block.
    user.delete()
    # After the delete: if it fails, the player is still logged in to try again.
    logout(request)
    return username
