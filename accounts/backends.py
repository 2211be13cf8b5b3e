"""The authentication backends: Django's and allauth's, with the user of a logged-in request
read through written-out SQL.

Every logged-in request loads its user; built through the ORM, that query cost more than the
rest of a puzzle's reads together. Authenticating (password, e-mail login) is unchanged.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connection

from sqlreads import columns, instance, table


def user_by_id(user_id: Any) -> Any | None:
    """The user with this primary key, as `User.objects.get(pk=...)` would build it; None when
    there is none (or the key is not a valid id)."""
    user_model = get_user_model()
    try:
        pk = user_model._meta.pk.to_python(user_id)
    except Exception:  # noqa: BLE001 - a session naming a malformed id is no user
        return None
    names, cols = columns(user_model, alias="u")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols} FROM {table(user_model)} u WHERE u.{user_model._meta.pk.column} = %s", [pk])
        row = cursor.fetchone()
    return None if row is None else instance(user_model, names, row)


class _UserById:
    def get_user(self, user_id: Any) -> Any | None:
        user = user_by_id(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class PasswordBackend(_UserById, ModelBackend):
    """Django's username-and-password backend."""


class AccountBackend(_UserById, AuthenticationBackend):
    """allauth's backend (e-mail login; allauth's own logins name it)."""
