"""The player's own pages: profile (explanations, votes, points), preferences, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from accounts.models import ApiToken
from accounts.profiles import PREFERENCE_FIELDS, preferences_update, profile_for
from accounts.tokens import api_token_create, api_token_revoke
from game.models import Explanation, Score, Vote

LIST_LIMIT = 200
NEW_TOKEN_KEY = "new_api_token"


@login_required
@ensure_csrf_cookie
def profile_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    failed_scores = Prefetch("scores", queryset=Score.objects.filter(status=Score.Status.FAILED), to_attr="failures")
    explanations = list(
        Explanation.objects.filter(author=user)
        .select_related("feature__source__model")
        .prefetch_related(failed_scores)
        .order_by("-created")[:LIST_LIMIT]
    )
    for explanation in explanations:
        failure = explanation.failures[0] if explanation.failures else None
        explanation.failure_reason = (failure.error.splitlines() or [""])[0] if failure else ""
    votes = (
        Vote.objects.filter(user=user)
        .select_related("explanation__feature__source__model")
        .order_by("-created")[:LIST_LIMIT]
    )
    context = {
        "nav": "profile",
        "explanations": explanations,
        "votes": votes,
        "profile": profile_for(user),
        "tokens": ApiToken.objects.filter(user=user, revoked__isnull=True),
        # A new token is shown once, right after it is created.
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
    }
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def preferences_save(request: HttpRequest) -> HttpResponse:
    # Unticked checkboxes are absent from the form: every known field is set explicitly.
    changes = {name: request.POST.get(name) == "on" for name in PREFERENCE_FIELDS if name != "onboarded"}
    preferences_update(user=request.user, changes=changes)
    messages.success(request, "Preferences saved.")
    return redirect("profile")


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "")
    if len(name) > 100:
        messages.error(request, "A token name can be at most 100 characters.")
        return redirect("profile")
    token, raw = api_token_create(user=request.user, name=name)
    request.session[NEW_TOKEN_KEY] = {"name": token.name, "raw": raw}
    return redirect("profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, "Token revoked: scripts using it can no longer sign in.")
    else:
        messages.error(request, "No such token (it may already be revoked).")
    return redirect("profile")
