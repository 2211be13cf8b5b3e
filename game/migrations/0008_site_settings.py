# Operators' overrides of the daily limit and budget (game.site_settings).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("game", "0007_moderators_group"),
    ]

    operations = [
        migrations.CreateModel(
            name="SiteSetting",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=100, unique=True)),
                ("value", models.JSONField()),
                ("updated", models.DateTimeField(auto_now=True)),
            ],
        ),
    ]
