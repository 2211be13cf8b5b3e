"""Logged-in sessions name the backend that logged them in; the backends moved to
`accounts.backends`, so sessions naming the old paths are rewritten instead of being logged out."""

from django.db import migrations

RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.PasswordBackend",
    "allauth.account.auth_backends.AuthenticationBackend": "accounts.backends.AccountBackend",
}


def rename(apps, schema_editor, mapping=RENAMED):
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        data = store.decode(session.session_data)  # a session signed with another key decodes to {}
        new = mapping.get(data.get(BACKEND_SESSION_KEY))
        if new:
            data[BACKEND_SESSION_KEY] = new
            Session.objects.filter(pk=session.pk).update(session_data=store.encode(data))


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, mapping={new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_blockedword"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
