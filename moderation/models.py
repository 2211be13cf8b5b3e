"""Reports, the cases they form, and the audit log of what moderators did.

A case is everything reported about one target (an explanation, a comment or a player); it is open,
dismissed or actioned, and a report from someone new reopens a closed case. Each report
carries the reporter's trust weight at the time (`moderation.trust`), and, once a moderator
decides, whether it was upheld: past reports upheld count toward a reporter's trust.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from game.models import Explanation
from research.models import Comment


def is_moderator(user) -> bool:
    """Whether `user` may use the queue and act (the Moderators group holds the permission)."""
    return bool(getattr(user, "is_authenticated", False) and user.has_perm("moderation.moderate"))


class Case(models.Model):
    class Kind(models.TextChoices):
        EXPLANATION = "explanation", "Explanation"
        COMMENT = "comment", "Comment"
        USER = "user", "Player"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        DISMISSED = "dismissed", "Dismissed"
        ACTIONED = "actioned", "Actioned"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    explanation = models.OneToOneField(
        Explanation, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_case"
    )
    comment = models.OneToOneField(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_case"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="moderation_case"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.OPEN)
    # Hidden automatically by the weight of trusted reports, waiting for a moderator's decision.
    auto_hidden = models.BooleanField(default=False)
    opened = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        permissions = [("moderate", "Can use the moderation queue and take moderation actions")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="explanation", explanation__isnull=False, comment__isnull=True, user__isnull=True)
                           | Q(kind="comment", comment__isnull=False, explanation__isnull=True, user__isnull=True)
                           | Q(kind="user", user__isnull=False, explanation__isnull=True, comment__isnull=True)),
                name="case_has_one_target_of_its_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} case #{self.pk} ({self.state})"

    @property
    def target_id(self) -> int:
        return {self.Kind.EXPLANATION: self.explanation_id, self.Kind.COMMENT: self.comment_id}.get(
            self.kind, self.user_id)


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abusive or offensive"
        EXPLICIT = "explicit", "Explicit"
        OTHER = "other", "Other"

    class Outcome(models.TextChoices):
        PENDING = "", "Not decided yet"
        UPHELD = "upheld", "Upheld"
        REJECTED = "rejected", "Rejected"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_filed")
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    weight = models.FloatField(help_text="The reporter's trust when they reported")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created"]
        constraints = [models.UniqueConstraint(fields=["case", "reporter"], name="one_report_per_reporter_per_case")]

    def __str__(self) -> str:
        return f"{self.reason} by {self.reporter} on {self.case}"


class AuditEntry(models.Model):
    """Who did what to what, when and why. Rows are only ever added."""

    class Action(models.TextChoices):
        HIDE = "hide", "Hid an explanation"
        UNHIDE = "unhide", "Unhid an explanation"
        BAN = "ban", "Banned a player"
        UNBAN = "unban", "Unbanned a player"
        WARN = "warn", "Warned a player"
        DISMISS = "dismiss", "Dismissed the reports"
        AUTO_HIDE = "auto_hide", "Hidden by trusted reports"
        WORD_ADD = "word_add", "Added a blocked word"
        WORD_REMOVE = "word_remove", "Removed a blocked word"
        SOURCE_APPROVE = "source_approve", "Put an uploaded source in play"
        SOURCE_UNPUBLISH = "source_unpublish", "Unpublished an uploaded source"

    # Null for what the site did by itself (hidden by reports).
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    target_kind = models.CharField(max_length=16, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    # What the target was when acted on: the explanation's text or the player's name survive
    # the target's deletion.
    target_label = models.CharField(max_length=600, blank=True)
    # The player a warning is for; they see it until they acknowledge it.
    warned_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings"
    )
    acknowledged = models.BooleanField(default=False)
    reason = models.CharField(max_length=1000, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.moderator_name or 'site'} {self.action} {self.target_kind} {self.target_id}"
