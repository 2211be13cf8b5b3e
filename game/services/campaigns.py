"""Campaigns: the named set of features that puzzles come from. One is active at a time."""

from __future__ import annotations

from django.db import transaction

from game.models import Campaign, Feature
from game.services.errors import ServiceError


def campaign_create(*, slug: str, name: str, model: str, sources: list[str] | None = None,
                    description: str = "") -> Campaign:
    """A campaign over the live features (they fire somewhere) of a model's sources.
    Re-running it adds features that are new since; it never removes any."""
    features = Feature.objects.filter(source__model__slug=model, max_activation__gt=0)
    if sources:
        known = set(features.filter(source__slug__in=sources).values_list("source__slug", flat=True).distinct())
        missing = sorted(set(sources) - known)
        if missing:
            raise ServiceError(f"No live features in {', '.join(missing)} of model {model!r}.", field="sources")
        features = features.filter(source__slug__in=sources)
    ids = list(features.values_list("id", flat=True))
    if not ids:
        raise ServiceError(f"Model {model!r} has no live features to play.", field="model")
    with transaction.atomic():
        campaign, _ = Campaign.objects.get_or_create(slug=slug, defaults={"name": name, "description": description})
        through = Campaign.features.through
        have = set(through.objects.filter(campaign=campaign).values_list("feature_id", flat=True))
        through.objects.bulk_create(
            [through(campaign_id=campaign.pk, feature_id=f) for f in ids if f not in have], batch_size=2000
        )
    return campaign


def campaign_activate(*, slug: str) -> Campaign:
    """Make `slug` the campaign being played; the one before it stops."""
    with transaction.atomic():
        campaign = Campaign.objects.select_for_update().filter(slug=slug).first()
        if campaign is None:
            raise ServiceError(f"No campaign {slug!r}.", status=404, field="slug")
        Campaign.objects.filter(active=True).exclude(pk=campaign.pk).update(active=False)
        if not campaign.active:
            campaign.active = True
            campaign.save(update_fields=["active"])
    return campaign
