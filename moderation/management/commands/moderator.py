"""Who moderates: `moderator add EMAIL`, `moderator remove EMAIL`, `moderator list`.

Moderators are the `Moderators` group (created by a migration with the moderation
permissions), not superusers, so a moderator can work the queue on /moderation without
being able to change the catalogue, scores or points.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

GROUP = "Moderators"


def moderators_group() -> Group:
    group = Group.objects.filter(name=GROUP).first()
    if group is None:
        raise CommandError(f"There is no {GROUP!r} group; run `manage.py migrate` first.")
    return group


def user_by_email(email: str):
    users = list(get_user_model().objects.filter(email__iexact=email.strip()))
    if not users:
        raise CommandError(f"No player has the e-mail address {email!r}.")
    if len(users) > 1:
        names = ", ".join(u.get_username() for u in users)
        raise CommandError(f"Several players have the e-mail address {email!r} ({names}); fix that first.")
    return users[0]


class Command(BaseCommand):
    help = "Add, remove or list moderators (members of the Moderators group)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("add", help="make the player with this e-mail a moderator").add_argument("email")
        sub.add_parser("remove", help="stop the player with this e-mail being a moderator").add_argument("email")
        sub.add_parser("list", help="list the moderators")

    def handle(self, *args, action: str, email: str = "", **options) -> None:
        group = moderators_group()
        if action == "list":
            members = group.user_set.order_by("username")
            if not members:
                self.stdout.write("No moderators.")
            for user in members:
                self.stdout.write(f"{user.get_username()}\t{user.email}")
            return
        user = user_by_email(email)
        with transaction.atomic():
            if action == "add":
                user.groups.add(group)
                # The admin, where the report queue lives, lets in staff only; the group's
                # permissions decide what they may do there.
                if not user.is_staff:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                self.stdout.write(f"{user.get_username()} <{user.email}> is a moderator.")
            else:
                if not user.groups.filter(pk=group.pk).exists():
                    raise CommandError(f"{user.get_username()} <{user.email}> is not a moderator.")
                user.groups.remove(group)
                # Keep staff for superusers and members of other groups: they got it otherwise.
                if user.is_staff and not user.is_superuser and not user.groups.exists():
                    user.is_staff = False
                    user.save(update_fields=["is_staff"])
                self.stdout.write(f"{user.get_username()} <{user.email}> is no longer a moderator.")
