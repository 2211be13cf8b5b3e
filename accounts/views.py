"""The player's account settings: preferences and API tokens.

The profile page itself belongs to the game (`game.pages.profile_page`), which shows these
settings beside the player's explanations and votes through `account_settings_context`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.models import ApiToken
from accounts.profiles import PREFERENCE_FIELDS, preferences_update, profile_for
from accounts.tokens import api_token_create, api_token_revoke

NEW_TOKEN_KEY = "new_api_token"
# The page that shows the settings: where every form here returns to.
PROFILE_URL_NAME = "profile"


def account_settings_context(request: HttpRequest) -> dict:
    """What `accounts/_settings.html` shows for the logged-in player."""
    user = request.user
    return {
        "profile": profile_for(user),
        "tokens": ApiToken.objects.filter(user=user, revoked__isnull=True),
        # A new token is shown once, right after it is created.
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
    }


@login_required
@require_POST
def preferences_save(request: HttpRequest) -> HttpResponse:
    # Unticked checkboxes are absent from the form: every known field is set explicitly.
    changes = {name: request.POST.get(name) == "on" for name in PREFERENCE_FIELDS if name != "onboarded"}
    preferences_update(user=request.user, changes=changes)
    messages.success(request, "Preferences saved.")
    return redirect(PROFILE_URL_NAME)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    if len(name) > 100:
        messages.error(request, "A token name can be at most 100 characters.")
        return redirect(PROFILE_URL_NAME)
    token, raw = api_token_create(user=request.user, name=name)
    request.session[NEW_TOKEN_KEY] = {"name": token.name, "raw": raw}
    return redirect(PROFILE_URL_NAME)


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: scripts using it can no longer sign in.")
    else:
        messages.error(request, "No such token (it may already be revoked).")
    return redirect(PROFILE_URL_NAME)
