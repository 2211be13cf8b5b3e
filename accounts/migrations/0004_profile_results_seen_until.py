from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sessions_name_new_backends"),
    ]

    operations = [
        migrations.AddField(
            model_name="profile",
            name="results_seen_until",
            field=models.DateTimeField(
                blank=True, null=True,
                help_text="Scores finished up to this moment have been shown to the player",
            ),
        ),
    ]
