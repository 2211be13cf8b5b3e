"""Moderators' say over uploaded sources: a published upload is browsable at once, but its
features become puzzles only once a moderator approves it (they join the active campaign);
a moderator can also unpublish it (kept, with everything players made on it, but shown nowhere
and out of play). Both are audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from game.models import Campaign, Source
from game.services.campaigns import campaign_activate, campaign_create
from game.services.errors import ServiceError
from moderation.models import AuditEntry
from research.models import SourceUpload


def _uploaded(model: str, source: str) -> tuple[Source, SourceUpload]:
    found = Source.objects.select_related("model").filter(model__slug=model, slug=source).first()
    upload = SourceUpload.objects.filter(source=found).first() if found is not None else None
    if found is None or upload is None:
        raise ServiceError(f"No uploaded source {source!r} for model {model!r}.", status=404)
    return found, upload


def _audit(moderator, action: str, source: Source, reason: str) -> AuditEntry:
    return AuditEntry.objects.create(
        moderator=moderator, moderator_name=moderator.get_username(), action=action, target_kind="source",
        target_id=source.pk, target_label=f"{source.model.slug}/{source.slug}", reason=reason[:1000],
    )


def source_approve(*, moderator, model: str, source: str, reason: str = "") -> AuditEntry:
    """Add an uploaded source's live features to the active campaign (one is made and started
    when none is active). 409 if it is not published."""
    found, upload = _uploaded(model, source)
    if upload.status != SourceUpload.Status.PUBLISHED or not found.published:
        raise ServiceError(f"{model}/{source} is {upload.get_status_display().lower()}: only a published upload "
                           "can be put in play.", status=409)
    with transaction.atomic():
        active = Campaign.objects.filter(active=True).first()
        if active is None:
            campaign = campaign_create(slug=f"{model}-uploads", name=f"{found.model.name}: uploaded sources",
                                       model=model, sources=[source])
            campaign_activate(slug=campaign.slug)
        else:
            campaign_create(slug=active.slug, name=active.name, model=model, sources=[source])
        SourceUpload.objects.filter(pk=upload.pk).update(approved_by=moderator, approved_at=timezone.now())
        return _audit(moderator, AuditEntry.Action.SOURCE_APPROVE, found, reason)


def source_unpublish(*, moderator, model: str, source: str, reason: str) -> AuditEntry:
    """Hide an uploaded source everywhere and take its features out of every campaign."""
    if not reason.strip():
        raise ServiceError("Say why the source is unpublished; the uploader sees the reason.", field="reason")
    found, upload = _uploaded(model, source)
    with transaction.atomic():
        Source.objects.filter(pk=found.pk).update(published=False)
        Campaign.features.through.objects.filter(feature__source=found).delete()
        SourceUpload.objects.filter(pk=upload.pk).update(
            status=SourceUpload.Status.UNPUBLISHED, stage="Unpublished by a moderator", error=reason.strip()[:2000],
            approved_at=None, updated=timezone.now())
        return _audit(moderator, AuditEntry.Action.SOURCE_UNPUBLISH, found, reason)


def uploads_to_review(limit: int = 100) -> list[SourceUpload]:
    """Published uploads not yet in play, oldest first: the moderators' queue for sources."""
    return list(SourceUpload.objects.select_related("model", "user")
                .filter(status=SourceUpload.Status.PUBLISHED, approved_at__isnull=True).order_by("created")[:limit])
