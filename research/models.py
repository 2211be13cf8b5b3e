"""What researchers keep about features: lists (named, described, with notes per feature and a
text to test them all on), stars, and comments. Comments are strangers' text: moderators hide
them through the moderation queue, as they hide explanations."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from game.models import Feature, LanguageModel, Source

LIST_NAME_MAX = 120
LIST_DESCRIPTION_MAX = 2000
LIST_TEST_TEXT_MAX = 2000
ITEM_NOTE_MAX = 1000
COMMENT_MAX = 2000
UPLOAD_DESCRIPTION_MAX = 2000


class FeatureList(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feature_lists")
    name = models.CharField(max_length=LIST_NAME_MAX)
    description = models.TextField(blank=True, max_length=LIST_DESCRIPTION_MAX)
    # Run on every feature of the list from its page: what the list's features have in common.
    test_text = models.TextField(blank=True, max_length=LIST_TEST_TEXT_MAX)
    public = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        ordering = ["-updated", "-pk"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="one_list_name_per_owner")]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner_id})"

    def visible_to(self, user) -> bool:
        return self.public or (getattr(user, "is_authenticated", False) and user.pk == self.owner_id)


class FeatureListItem(models.Model):
    feature_list = models.ForeignKey(FeatureList, on_delete=models.CASCADE, related_name="items")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="list_items")
    note = models.TextField(blank=True, max_length=ITEM_NOTE_MAX)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added", "pk"]
        constraints = [models.UniqueConstraint(fields=["feature_list", "feature"], name="a_feature_once_per_list")]


class Star(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stars")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="stars")
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "feature"], name="one_star_per_user_and_feature")]


class Comment(models.Model):
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(max_length=COMMENT_MAX)
    # Hidden by a moderator, or by the weight of trusted reports until one decides.
    hidden = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["feature", "created"], name="comment_feature_created")]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.feature_id}"


class SourceUpload(models.Model):
    """A researcher's SAE, from upload to a published source: the job's progress and its verdict."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PUBLISHED = "published", "Published"
        FAILED = "failed", "Failed"
        UNPUBLISHED = "unpublished", "Unpublished by a moderator"

    LIVE = (Status.QUEUED, Status.RUNNING)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="source_uploads")
    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="source_uploads")
    slug = models.SlugField(max_length=64, help_text="The source's name within its model once published")
    description = models.TextField(blank=True, max_length=UPLOAD_DESCRIPTION_MAX)
    size_bytes = models.BigIntegerField(default=0)
    hook_point = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField(default=0)
    architecture = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    stage = models.CharField(max_length=200, blank=True, help_text="What the job is doing now, for the page")
    progress = models.FloatField(default=0.0, help_text="0 to 1")
    error = models.TextField(blank=True)
    error_field = models.CharField(max_length=32, blank=True)
    source = models.OneToOneField(Source, null=True, blank=True, on_delete=models.SET_NULL, related_name="upload")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            # One live or published upload per name: a failed one frees its name for the next try.
            models.UniqueConstraint(fields=["model", "slug"], condition=~models.Q(status="failed"),
                                    name="one_upload_per_source_name"),
        ]

    def __str__(self) -> str:
        return f"{self.model_id}/{self.slug} ({self.status})"

    @property
    def storage_prefix(self) -> str:
        return f"uploads/{self.pk}"
