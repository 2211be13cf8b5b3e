from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("moderator", *args, stdout=out)
    return out.getvalue()


def test_the_moderators_group_has_the_moderation_permissions_only() -> None:
    perms = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert {"change_explanation", "view_explanation", "view_explanationreport", "change_explanationreport"} <= perms
    assert not any(p.startswith("delete_") or p.endswith("pointsevent") or p.endswith("score") for p in perms)


def test_add_list_and_remove_a_moderator() -> None:
    user = make_user(username="mod", email="Mod@Example.com")
    assert "No moderators" in run("list")
    assert "is a moderator" in run("add", "mod@example.com")
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert user.has_perm("game.change_explanationreport") and not user.has_perm("game.delete_explanation")
    assert "mod\tMod@Example.com" in run("list")
    run("add", "mod@example.com")  # twice changes nothing
    assert "no longer a moderator" in run("remove", "mod@example.com")
    user.refresh_from_db()
    assert not user.is_staff and not user.groups.exists()


def test_unknown_or_ambiguous_emails_and_non_moderators_are_clear_errors() -> None:
    with pytest.raises(CommandError, match="No player has the e-mail address 'nobody@example.com'"):
        run("add", "nobody@example.com")
    make_user(email="same@example.com")
    make_user(email="SAME@example.com")
    with pytest.raises(CommandError, match="Several players"):
        run("add", "same@example.com")
    make_user(email="plain@example.com")
    with pytest.raises(CommandError, match="is not a moderator"):
        run("remove", "plain@example.com")


def test_removing_keeps_staff_for_a_superuser() -> None:
    admin = make_user(email="boss@example.com", is_superuser=True, is_staff=True)
    run("add", "boss@example.com")
    run("remove", "boss@example.com")
    admin.refresh_from_db()
    assert admin.is_staff
