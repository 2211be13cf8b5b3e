"""Decide again which activation records are explicit, with the current word list.

A record's `explicit` flag is set when its pack is imported; run this after moderators block
or unblock words (`/moderation`, `manage.py blocked_word`) so that players who hide explicit
content stop (or start) seeing the clues the change concerns. Safe to stop and run again."""

from django.core.management.base import BaseCommand, CommandError

from game.models import Source
from game.services.moderation import RECHECK_BATCH, records_recheck_explicit


class Command(BaseCommand):
    help = "Recompute every activation record's explicit flag with the current word list (in batches)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", metavar="SLUG", default=None,
                            help="Only this source's records (its slug; every model's source of that name).")
        parser.add_argument("--batch-size", type=int, default=RECHECK_BATCH, help="Records read and written at a time.")

    def handle(self, *args, source: str | None, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        sources = Source.objects.select_related("model").order_by("pk")
        if source is not None:
            sources = sources.filter(slug=source)
            if not sources.exists():
                raise CommandError(f"No source {source!r}.")
        result = records_recheck_explicit(sources=sources, batch_size=batch_size)
        self.stdout.write(
            f"checked {result.checked} records: {result.explicit} explicit, {result.changed} changed"
        )
