from django.db import migrations, models


def mark_finished_scores_announced(apps, schema_editor) -> None:
    # Scores finished before the marker existed were announced when they finished; a re-run of
    # their job must not tell their authors again.
    Score = apps.get_model("game", "Score")
    Score.objects.exclude(status__in=("pending", "waiting_budget")).update(announced=True)


class Migration(migrations.Migration):

    dependencies = [
        ("game", "0016_source_uploads"),
    ]

    operations = [
        migrations.AddField(
            model_name="score",
            name="announced",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_finished_scores_announced, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="score",
            index=models.Index(condition=models.Q(("announced", False)), fields=["finished"], name="score_unannounced"),
        ),
    ]
