"""The moderators' queue page (`/moderation`) and its form posts; a player acknowledging a warning."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from game.services.errors import ServiceError
from moderation import selectors, services, sources
from moderation.models import Case, is_moderator


def _moderator_only(request: HttpRequest) -> None:
    if not is_moderator(request.user):
        raise PermissionDenied("Only moderators can see the moderation queue.")


@login_required
@require_http_methods(["GET", "HEAD"])
def queue_page(request: HttpRequest) -> HttpResponse:
    _moderator_only(request)
    counts = selectors.state_counts()
    state = request.GET.get("state", Case.State.OPEN)
    if state not in Case.State.values:
        state = Case.State.OPEN
    return render(request, "moderation/queue.html", {
        "nav": "moderation", "state": state,
        "states": [(value, label, counts[value]) for value, label in Case.State.choices],
        "cases": selectors.cases(state), "flags": selectors.feature_flags(), "audit": selectors.audit_log(limit=50),
        "blocked_words": selectors.blocked_words(), "uploads": sources.uploads_to_review(),
    })


def _back(request: HttpRequest) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("moderation")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def act(request: HttpRequest) -> HttpResponse:
    _moderator_only(request)
    try:
        target_id = int(request.POST.get("target_id", ""))
    except ValueError:
        messages.error(request, "The form named no target.")
        return _back(request)
    try:
        target = services.target_find(request.POST.get("target_kind", ""), target_id)
        entry = services.action_take(moderator=request.user, action=request.POST.get("action", ""), target=target,
                                     reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _back(request)
    messages.success(request, f"Done: {entry.get_action_display().lower()} ({entry.target_label[:80]}).")
    return _back(request)


@login_required
@require_POST
def source_act(request: HttpRequest) -> HttpResponse:
    """Put an uploaded source in play, or unpublish it."""
    _moderator_only(request)
    action = request.POST.get("action", "")
    if action not in ("approve", "unpublish"):
        messages.error(request, "Choose to put the source in play or to unpublish it.")
        return _back(request)
    change = sources.source_approve if action == "approve" else sources.source_unpublish
    try:
        entry = change(moderator=request.user, model=request.POST.get("model", ""),
                       source=request.POST.get("source", ""), reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Done: {entry.get_action_display().lower()} ({entry.target_label}).")
    return _back(request)


@login_required
@require_POST
def words(request: HttpRequest) -> HttpResponse:
    """Add or remove a blocked word (usernames and explanations, in every process)."""
    _moderator_only(request)
    change = services.word_block if request.POST.get("action") == "add" else services.word_unblock
    try:
        entry = change(moderator=request.user, word=request.POST.get("word", ""), reason=request.POST.get("reason", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Done: {entry.get_action_display().lower()} ({entry.target_label}).")
    return _back(request)


@login_required
@require_POST
def warning_acknowledge(request: HttpRequest, entry_id: int) -> HttpResponse:
    services.warning_acknowledge(user=request.user, entry_id=entry_id)
    return _back(request)
