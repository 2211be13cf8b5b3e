"""Moderation actions: filing and retracting reports, and what moderators do to a case.

Every action a moderator takes writes one `AuditEntry` (who, what, when, why) in the same
transaction as its effect; what other processes must hear (closing a banned player's
websockets, refreshing the boards) is sent once the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Sum

from accounts.bans import account_ban, account_unban
from accounts.blocked_words import BlockedWordError, blocked_word_add, blocked_word_normalize, blocked_word_remove
from game import events
from game import jobs as game_jobs
from game.models import Explanation
from game.services import standing
from game.services.errors import ServiceError
from jobs import queue
from moderation.models import AuditEntry, Case, Report, is_moderator
from moderation.trust import AUTO_HIDE_WEIGHT, reporter_standing
from research.comments import comment_hide, comment_unhide
from research.models import Comment

NOTE_MAX = 500
REASON_MAX = 1000

EXPLANATION_ACTIONS = ("hide", "unhide", "warn", "dismiss")
COMMENT_ACTIONS = ("hide", "unhide", "warn", "dismiss")
USER_ACTIONS = ("ban", "unban", "warn", "dismiss")
ACTIONS = ("hide", "unhide", "ban", "unban", "warn", "dismiss")


@dataclass(frozen=True)
class Target:
    kind: str
    explanation: Explanation | None = None
    user: object | None = None
    comment: Comment | None = None

    @property
    def pk(self) -> int:
        if self.explanation is not None:
            return self.explanation.pk
        return self.comment.pk if self.comment is not None else self.user.pk

    @property
    def label(self) -> str:
        if self.explanation is not None:
            return self.explanation.text[:600]
        if self.comment is not None:
            return self.comment.text[:600]
        return self.user.get_username()

    @property
    def author(self) -> object | None:
        """Who wrote the text reported (None for a player, or a model's explanation)."""
        if self.explanation is not None:
            return self.explanation.author
        return self.comment.author if self.comment is not None else None

    def case_lookup(self) -> dict:
        if self.explanation is not None:
            return {"kind": Case.Kind.EXPLANATION, "explanation": self.explanation}
        if self.comment is not None:
            return {"kind": Case.Kind.COMMENT, "comment": self.comment}
        return {"kind": Case.Kind.USER, "user": self.user}


def target_find(kind: str, target_id: object) -> Target:
    """The explanation or player a report or an action is about; ServiceError 400/404."""
    if kind not in Case.Kind.values:
        raise ServiceError(f"Unknown target kind {kind!r}; use one of: {', '.join(Case.Kind.values)}.",
                           field="target")
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise ServiceError("The target's id must be an integer.", field="target")
    if kind == Case.Kind.EXPLANATION:
        explanation = Explanation.objects.select_related("author", "feature").filter(pk=target_id).first()
        if explanation is None:
            raise ServiceError(f"There is no explanation {target_id}.", status=404, field="target")
        return Target(kind, explanation=explanation)
    if kind == Case.Kind.COMMENT:
        comment = Comment.objects.select_related("author", "feature").filter(pk=target_id).first()
        if comment is None:
            raise ServiceError(f"There is no comment {target_id}.", status=404, field="target")
        return Target(kind, comment=comment)
    user = get_user_model().objects.filter(pk=target_id).first()
    if user is None:
        raise ServiceError(f"There is no player {target_id}.", status=404, field="target")
    return Target(kind, user=user)


def _pending_weight(case: Case) -> float:
    return float(case.reports.filter(outcome=Report.Outcome.PENDING).aggregate(w=Sum("weight"))["w"] or 0.0)


def _audit(*, moderator, action: str, target: Target | None, reason: str, warned_user=None) -> AuditEntry:
    return AuditEntry.objects.create(
        moderator=moderator, moderator_name=moderator.get_username() if moderator is not None else "",
        action=action, target_kind=target.kind if target else "", target_id=target.pk if target else None,
        target_label=target.label if target else "", reason=reason, warned_user=warned_user,
    )


def _refresh_boards() -> None:
    transaction.on_commit(lambda: events.send(events.LEADERBOARD_GROUP, events.leaderboard_payload()))


# --- Reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    created: bool
    case: Case
    hidden: bool


def report_file(*, reporter, target: Target, reason: str, note: str = "") -> ReportResult:
    """A player's report (one per player per case). A report from someone new reopens a
    closed case; reports whose weights reach `AUTO_HIDE_WEIGHT` hide an explanation until a
    moderator decides."""
    if reason not in Report.Reason.values:
        raise ServiceError(f"Unknown reason {reason!r}; use one of: {', '.join(Report.Reason.values)}.",
                           field="reason")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ServiceError(f"The note is too long ({NOTE_MAX} characters at most).", field="note")
    if target.explanation is not None and target.explanation.author_id == reporter.pk:
        raise ServiceError("You cannot report your own explanation.")
    if target.comment is not None and target.comment.author_id == reporter.pk:
        raise ServiceError("You cannot report your own comment.")
    if target.user is not None and target.user.pk == reporter.pk:
        raise ServiceError("You cannot report yourself.")
    weight = reporter_standing(reporter).weight
    with transaction.atomic():
        case, _ = Case.objects.get_or_create(**target.case_lookup())
        case = Case.objects.select_for_update().get(pk=case.pk)
        try:
            with transaction.atomic():
                Report.objects.create(case=case, reporter=reporter, reason=reason, note=note, weight=weight)
            created = True
        except IntegrityError:
            created = False
        if created and case.state != Case.State.OPEN:
            case.state = Case.State.OPEN
            case.save(update_fields=["state", "updated"])
        elif created:
            case.save(update_fields=["updated"])
        hidden = _auto_hide(case, target)
    return ReportResult(created, case, hidden)


def _auto_hide(case: Case, target: Target) -> bool:
    if target.comment is not None:
        return _auto_hide_comment(case, target)
    explanation = target.explanation
    if explanation is None:
        return False
    if explanation.moderator_hidden or case.state != Case.State.OPEN:
        return Explanation.objects.filter(pk=explanation.pk, hidden=True).exists()
    total = _pending_weight(case)
    if total < AUTO_HIDE_WEIGHT:
        return False
    standing.explanation_hide(explanation)
    case.auto_hidden = True
    case.save(update_fields=["auto_hidden", "updated"])
    _audit(moderator=None, action=AuditEntry.Action.AUTO_HIDE, target=target,
           reason=f"Reports weighing {total:.2f} (at least {AUTO_HIDE_WEIGHT:.2f} hides until a moderator decides).")
    _refresh_boards()
    return True


def _auto_hide_comment(case: Case, target: Target) -> bool:
    if case.state != Case.State.OPEN or target.comment.hidden:
        return Comment.objects.filter(pk=target.comment.pk, hidden=True).exists()
    total = _pending_weight(case)
    if total < AUTO_HIDE_WEIGHT:
        return False
    comment_hide(target.comment)
    case.auto_hidden = True
    case.save(update_fields=["auto_hidden", "updated"])
    _audit(moderator=None, action=AuditEntry.Action.AUTO_HIDE, target=target,
           reason=f"Reports weighing {total:.2f} (at least {AUTO_HIDE_WEIGHT:.2f} hides until a moderator decides).")
    return True


def report_retract(*, reporter, target: Target) -> bool:
    """Take back one's own report while the case is undecided. False when there was none. An
    explanation hidden by reports comes back when what is left weighs too little."""
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(**target.case_lookup()).first()
        if case is None:
            return False
        deleted, _ = Report.objects.filter(case=case, reporter=reporter, outcome=Report.Outcome.PENDING).delete()
        if not deleted:
            return False
        if case.auto_hidden and _pending_weight(case) < AUTO_HIDE_WEIGHT and target.kind != Case.Kind.USER:
            _show_again(target)
            case.auto_hidden = False
            _audit(moderator=None, action=AuditEntry.Action.UNHIDE, target=target,
                   reason="A report was retracted: what is left weighs too little to keep it hidden.")
            _refresh_boards()
        if not case.reports.exists() and case.state == Case.State.OPEN:
            case.state = Case.State.DISMISSED
        case.save(update_fields=["auto_hidden", "state", "updated"])
    return True


# --- Moderators' actions -------------------------------------------------------------------------


def _close(case: Case | None, state: str, outcome: str) -> None:
    if case is None:
        return
    case.reports.filter(outcome=Report.Outcome.PENDING).update(outcome=outcome)
    case.state = state
    case.auto_hidden = False
    case.save(update_fields=["state", "auto_hidden", "updated"])


def _case_for(target: Target, *, create: bool) -> Case | None:
    if create:
        case, _ = Case.objects.get_or_create(**target.case_lookup())
        return Case.objects.select_for_update().get(pk=case.pk)
    return Case.objects.select_for_update().filter(**target.case_lookup()).first()


def _check_ban(moderator, user) -> None:
    if user.pk == moderator.pk:
        raise ServiceError("You cannot ban yourself.", status=403)
    if (user.is_superuser or is_moderator(user)) and not moderator.is_superuser:
        raise ServiceError("Only an administrator can ban a moderator.", status=403)


def action_take(*, moderator, action: str, target: Target, reason: str) -> AuditEntry:
    """Do `action` to `target` and record it. ServiceError for an action that does not apply."""
    reason = (reason or "").strip()
    if action not in ACTIONS:
        raise ServiceError(f"Unknown action {action!r}; use one of: {', '.join(ACTIONS)}.", field="action")
    allowed = {Case.Kind.EXPLANATION: EXPLANATION_ACTIONS, Case.Kind.COMMENT: COMMENT_ACTIONS}.get(
        target.kind, USER_ACTIONS)
    if action not in allowed:
        raise ServiceError(f"{action!r} does not apply to a {target.kind}; use one of: {', '.join(allowed)}.",
                           field="action")
    if not reason:
        raise ServiceError("Say why: the reason is kept in the audit log.", field="reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"The reason is too long ({REASON_MAX} characters at most).", field="reason")
    if action == "ban":
        _check_ban(moderator, target.user)
    with transaction.atomic():
        entry = _ACTIONS[action](moderator, target, reason)
    return entry


def _show_again(target: Target) -> bool:
    """An explanation or a comment back in view (True when it was hidden)."""
    if target.comment is not None:
        return comment_unhide(target.comment)
    return standing.explanation_unhide(target.explanation)


def _hide(moderator, target: Target, reason: str) -> AuditEntry:
    case = _case_for(target, create=True)
    if target.comment is not None:
        comment_hide(target.comment)
        _close(case, Case.State.ACTIONED, Report.Outcome.UPHELD)
        return _audit(moderator=moderator, action=AuditEntry.Action.HIDE, target=target, reason=reason)
    standing.explanation_hide(target.explanation)
    _close(case, Case.State.ACTIONED, Report.Outcome.UPHELD)
    _refresh_boards()
    return _audit(moderator=moderator, action=AuditEntry.Action.HIDE, target=target, reason=reason)


def _unhide(moderator, target: Target, reason: str) -> AuditEntry:
    case = _case_for(target, create=False)
    if not _show_again(target):
        raise ServiceError(f"This {target.kind} is not hidden by a moderator.", status=409)
    if case is not None and case.state == Case.State.OPEN:
        _close(case, Case.State.DISMISSED, Report.Outcome.REJECTED)
    _refresh_boards()
    return _audit(moderator=moderator, action=AuditEntry.Action.UNHIDE, target=target, reason=reason)


def _dismiss(moderator, target: Target, reason: str) -> AuditEntry:
    case = _case_for(target, create=False)
    if case is None or case.state != Case.State.OPEN:
        raise ServiceError("There is no open case on this target to dismiss.", status=409)
    if case.auto_hidden and target.kind != Case.Kind.USER:
        _show_again(target)
        _refresh_boards()
    _close(case, Case.State.DISMISSED, Report.Outcome.REJECTED)
    return _audit(moderator=moderator, action=AuditEntry.Action.DISMISS, target=target, reason=reason)


def _warn(moderator, target: Target, reason: str) -> AuditEntry:
    warned = target.user if target.user is not None else target.author
    if warned is None:
        raise ServiceError(f"This {target.kind} has no author to warn (a model wrote it, or the player left).",
                           status=409)
    _close(_case_for(target, create=False), Case.State.ACTIONED, Report.Outcome.UPHELD)
    return _audit(moderator=moderator, action=AuditEntry.Action.WARN, target=target, reason=reason,
                  warned_user=warned)


def _ban(moderator, target: Target, reason: str) -> AuditEntry:
    user = target.user
    if not account_ban(user):
        raise ServiceError("This player is banned already.", status=409)
    waiting = standing.player_suspend(user)
    keys = [f"score:{sid}" for sid in standing.pending_score_ids(waiting)]
    if keys:
        queue.cancel(dedupe_keys=keys, reason=f"Its author was banned: {reason}")
    _close(_case_for(target, create=True), Case.State.ACTIONED, Report.Outcome.UPHELD)
    transaction.on_commit(lambda: events.close_player_sockets(user.pk))
    _refresh_boards()
    return _audit(moderator=moderator, action=AuditEntry.Action.BAN, target=target, reason=reason)


def _unban(moderator, target: Target, reason: str) -> AuditEntry:
    user = target.user
    if not account_unban(user):
        raise ServiceError("This player is not banned.", status=409)
    waiting = standing.player_reinstate(user)
    for explanation in Explanation.objects.filter(pk__in=waiting).select_related("feature__source"):
        game_jobs.enqueue_scoring(explanation)
    case = _case_for(target, create=False)
    if case is not None and case.state == Case.State.OPEN:
        _close(case, Case.State.DISMISSED, Report.Outcome.REJECTED)
    _refresh_boards()
    return _audit(moderator=moderator, action=AuditEntry.Action.UNBAN, target=target, reason=reason)


_ACTIONS = {"hide": _hide, "unhide": _unhide, "dismiss": _dismiss, "warn": _warn, "ban": _ban, "unban": _unban}


def warning_acknowledge(*, user, entry_id: int) -> bool:
    return bool(AuditEntry.objects.filter(pk=entry_id, warned_user=user, acknowledged=False).update(acknowledged=True))


def word_block(*, moderator, word: str, reason: str = "") -> AuditEntry:
    """Add a word every process refuses in usernames and explanations from now on; clues that
    hold it are marked explicit by a background recheck."""
    try:
        with transaction.atomic():
            added = blocked_word_add(word, by=moderator)
            game_jobs.enqueue_explicit_recheck()
            return AuditEntry.objects.create(
                moderator=moderator, moderator_name=moderator.get_username(), action=AuditEntry.Action.WORD_ADD,
                target_kind="word", target_label=added.word, reason=reason.strip()[:REASON_MAX],
            )
    except BlockedWordError as exc:
        raise ServiceError(str(exc), field="word") from None


def word_unblock(*, moderator, word: str, reason: str = "") -> AuditEntry:
    try:
        with transaction.atomic():
            normalized = blocked_word_normalize(word)
            blocked_word_remove(normalized)
            game_jobs.enqueue_explicit_recheck()
            return AuditEntry.objects.create(
                moderator=moderator, moderator_name=moderator.get_username(), action=AuditEntry.Action.WORD_REMOVE,
                target_kind="word", target_label=normalized, reason=reason.strip()[:REASON_MAX],
            )
    except BlockedWordError as exc:
        raise ServiceError(str(exc), field="word") from None
