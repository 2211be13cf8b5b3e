"""The player's account settings: preferences, API tokens and deleting the account.

The profile page itself belongs to the game (`game.pages.profile_page`), which shows these
settings beside the player's explanations and votes through `account_settings_context`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.deletion import account_delete
from accounts.forms import AccountDeleteForm
from accounts.models import ApiToken
from accounts.profiles import PREFERENCE_FIELDS, preferences_update, profile_for
from accounts.tokens import api_token_create, api_token_revoke

# Where earlier versions kept a new raw token until the next page view; only ever removed now.
LEGACY_NEW_TOKEN_KEY = "new_api_token"
# The page that shows the settings: where every form here returns to.
PROFILE_URL_NAME = "profile"
HOME_URL_NAME = "home"


def account_settings_context(request: HttpRequest) -> dict:
    """What `accounts/_settings.html` shows for the logged-in player."""
    user = request.user
    # A raw token must not stay in any session, even one written before tokens were shown at once.
    request.session.pop(LEGACY_NEW_TOKEN_KEY, None)
    return {
        "profile": profile_for(user),
        "tokens": ApiToken.objects.filter(user=user, revoked__isnull=True),
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
@never_cache  # the answer holds the raw token: no browser or proxy may keep a copy
def token_create(request: HttpRequest) -> HttpResponse:
    """Create a token and show its raw value in this answer, the only time it is ever shown:
    only its hash is kept, nowhere else (not in the session) does the raw value go."""
    name = request.POST.get("name", "")
    if len(name) > 100:
        messages.error(request, "A token name can be at most 100 characters.")
        return redirect(PROFILE_URL_NAME)
    token, raw = api_token_create(user=request.user, name=name)
    return render(request, "accounts/token_created.html", {"token": token, "raw": raw})


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: scripts using it can no longer sign in.")
    else:
        messages.error(request, "No such token (it may already be revoked).")
    return redirect(PROFILE_URL_NAME)


@login_required
@require_http_methods(["GET", "POST"])
def account_delete_page(request: HttpRequest) -> HttpResponse:
    """What deleting means, and the form that does it once the player types their username."""
    username = request.user.get_username()
    form = AccountDeleteForm(request.POST if request.method == "POST" else None, username=username)
    if request.method == "POST":
        if form.is_valid():
            account_delete(request=request)
            messages.success(request, f"The account {username} is deleted. Thank you for playing.")
            return redirect(HOME_URL_NAME)
        return render(request, "accounts/delete.html", {"form": form}, status=400)
    return render(request, "accounts/delete.html", {"form": form})
