from django.core.management.base import BaseCommand, CommandError

from game.services.campaigns import campaign_activate, campaign_create
from game.services.errors import ServiceError


class Command(BaseCommand):
    help = "Create a campaign over a model's sources, or choose the campaign being played."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create (or extend) a campaign.")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        create.add_argument("--model", required=True, help="Model slug")
        create.add_argument("--source", action="append", dest="sources", help="Source slug (repeatable; default all)")
        create.add_argument("--description", default="")
        create.add_argument("--activate", action="store_true")
        activate = sub.add_parser("activate", help="Make a campaign the one being played.")
        activate.add_argument("slug")

    def handle(self, *args, action: str, **opts) -> None:
        try:
            if action == "create":
                campaign = campaign_create(slug=opts["slug"], name=opts["name"], model=opts["model"],
                                           sources=opts["sources"], description=opts["description"])
                self.stdout.write(f"campaign {campaign.slug}: {campaign.features.count()} features")
                if opts["activate"]:
                    campaign_activate(slug=campaign.slug)
                    self.stdout.write(f"{campaign.slug} is now the active campaign")
            else:
                campaign_activate(slug=opts["slug"])
                self.stdout.write(f"{opts['slug']} is now the active campaign")
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
