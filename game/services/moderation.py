"""Content checks: profanity in explanations and activation texts."""

from __future__ import annotations

from functools import lru_cache

from better_profanity import profanity


@lru_cache(maxsize=1)
def _loaded() -> None:
    # The word list is static data from the package: the same in every process.
    profanity.load_censor_words()


def contains_profanity(text: str) -> bool:
    _loaded()
    return profanity.contains_profanity(text)


# Reports from this many different players hide an explanation until a moderator looks.
REPORTS_TO_HIDE = 3


def explanation_report(*, user, explanation, reason: str, note: str = "") -> tuple[bool, bool]:
    """File a player's report (once per player). Returns (created, now_hidden)."""
    from django.db import IntegrityError, transaction

    from game.models import Explanation, ExplanationReport
    from game.services.errors import ServiceError

    if reason not in ExplanationReport.Reason.values:
        raise ServiceError(
            f"Unknown reason {reason!r}; use one of: {', '.join(ExplanationReport.Reason.values)}.", field="reason"
        )
    if len(note) > 500:
        raise ServiceError("The note is too long (500 characters at most).", field="note")
    if explanation.author_id == user.pk:
        raise ServiceError("You cannot report your own explanation.")
    try:
        with transaction.atomic():
            ExplanationReport.objects.create(explanation=explanation, user=user, reason=reason, note=note)
            created = True
    except IntegrityError:
        created = False
    open_reports = ExplanationReport.objects.filter(explanation=explanation, resolved=False).count()
    hidden = open_reports >= REPORTS_TO_HIDE
    if hidden:
        Explanation.objects.filter(pk=explanation.pk).update(hidden=True)
    return created, hidden
