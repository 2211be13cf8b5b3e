"""Reports now live in the moderation app (copied there by its first migration)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("game", "0009_moderation_standing"),
        ("moderation", "0001_initial"),
    ]

    operations = [migrations.DeleteModel(name="ExplanationReport")]
