"""An explanation typed before login, carried through signup or login.

A logged-out player who submits is sent to sign up; their text waits in the session under
`PENDING_KEY`. When they log in, `game.signals` submits it through the same service the API
uses and leaves the outcome under `PENDING_RESULT_KEY` for the puzzle page to show. Django
keeps session data across the session-key change at login, so nothing typed is lost.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from game import selectors
from game.refs import FeatureRef
from game.services.errors import ServiceError
from game.services.explanations import explanation_submit, explanations_left_today
from game.text import clean_explanation

PENDING_KEY = "pending_explanation"
PENDING_RESULT_KEY = "pending_result"


def pending_save(request: HttpRequest, body: dict[str, Any]) -> dict[str, Any]:
    """Validate the shape of a pending explanation and keep it in the session.

    Raises ValueError(message, field) for bad input and LookupError for an unknown feature.
    The rules on the text itself (profanity, duplicates) are checked on submission, after
    login, where the player can still edit it.
    """
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
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        raise LookupError(f"No feature {index} in {model}/{source}.")
    pending = {**feature.ref.as_dict(), "text": text}
    request.session[PENDING_KEY] = pending
    return pending


def pending_submit(*, user, pending: dict[str, Any]) -> dict[str, Any]:
    """Submit a kept explanation for `user`; the outcome as the puzzle page reads it."""
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


def pending_resume_url(pending: dict[str, Any]) -> str | None:
    """The puzzle the kept explanation answers, or None when the session held something else."""
    ref = FeatureRef.parse("/".join(str(pending.get(k, "")) for k in ("model", "source", "index")))
    return ref.play_url() if ref else None
