"""Carrying an explanation typed before login through signup or login.

A logged-out player who submits is sent to sign up; their text waits in the session under
`pending_explanation`. When they log in (password, signup or OAuth all send Django's
`user_logged_in`), the receiver below submits it through the same service the API uses and
leaves the outcome under `pending_result` for the puzzle page to show. Django keeps session
data across the session-key change at login, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

PENDING_KEY = "pending_explanation"
PENDING_RESULT_KEY = "pending_result"


def pending_save(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Validate the shape of a pending explanation and keep it in the session.

    Raises ValueError(message, field) for bad input and LookupError for an unknown feature.
    The rules on the text itself (profanity, duplicates) are checked on submission, after
    login, where the player can still edit it.
    """
    from game import selectors
    from game.text import clean_explanation

    model, source, index, text = (body.get(k) for k in ("model", "source", "index", "text"))
    if not isinstance(model, str) or not model:
        raise ValueError("Say which model: `model` is missing.", "model")
    if not isinstance(source, str) or not source:
        raise ValueError("Say which source: `source` is missing.", "source")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError("`index` must be a whole number, 0 or more.", "index")
    if not isinstance(text, str):
        raise ValueError("`text` must be a string.", "text")
    text = clean_explanation(text)
    if not text:
        raise ValueError("Write an explanation first: the text is empty.", "text")
    limit = settings.EXPLANATION_MAX_CHARS
    if len(text) > limit:
        raise ValueError(f"The explanation is {len(text)} characters long; the limit is {limit}.", "text")
    if selectors.feature_get(model=model, source=source, index=index) is None:
        raise LookupError(f"No feature {index} in {model}/{source}.")
    pending = {"model": model, "source": source, "index": index, "text": text}
    request.session[PENDING_KEY] = pending
    return pending


def pending_submit(*, user, pending: dict[str, Any]) -> dict[str, Any]:
    """Submit a kept explanation for `user`; the outcome as the puzzle page reads it."""
    from game import selectors
    from game.services.errors import ServiceError
    from game.services.explanations import explanation_submit, explanations_left_today

    outcome = {k: pending.get(k) for k in ("model", "source", "index", "text")}
    feature = selectors.feature_get(model=pending.get("model", ""), source=pending.get("source", ""),
                                    index=pending.get("index", -1))
    if feature is None:
        return {**outcome, "error": "The puzzle you answered no longer exists.", "status": 404}
    try:
        explanation, status = explanation_submit(user=user, feature=feature, text=pending.get("text", ""))
    except ServiceError as exc:
        return {**outcome, "error": exc.message, "status": exc.status, **exc.extra}
    return {**outcome, "id": explanation.pk, "status": status, "left": explanations_left_today(user=user)}


@receiver(user_logged_in, dispatch_uid="accounts.submit_pending_explanation")
def submit_pending_explanation(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    pending = request.session.pop(PENDING_KEY, None)
    if not isinstance(pending, dict):
        return
    request.session[PENDING_RESULT_KEY] = pending_submit(user=user, pending=pending)


class AccountAdapter(DefaultAccountAdapter):
    """Sends a player with a kept explanation back to that puzzle after login or signup,
    even when the login form lost its `next` parameter."""

    def _resume_url(self, request: HttpRequest) -> str | None:
        result = request.session.get(PENDING_RESULT_KEY)
        if isinstance(result, dict) and result.get("model"):
            return f"/?feature={result['model']}/{result['source']}/{result['index']}"
        return None

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        return self._resume_url(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        return self._resume_url(request) or super().get_signup_redirect_url(request)
