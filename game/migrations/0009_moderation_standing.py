"""Why an explanation is out of play (a moderator, or its author's ban), votes that stop counting
while their voter is banned, and awards that can be taken back and given back more than once."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('game', '0008_site_settings'),
    ]

    operations = [
        migrations.AddField(
            model_name='explanation',
            name='author_banned',
            field=models.BooleanField(default=False, help_text='Its author is banned'),
        ),
        migrations.AddField(
            model_name='explanation',
            name='moderator_hidden',
            field=models.BooleanField(default=False, help_text='Hidden by a moderator (or by trusted reports)'),
        ),
        migrations.AddField(
            model_name='vote',
            name='counted',
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name='explanation',
            name='hidden',
            field=models.BooleanField(default=False, help_text='Out of play: hidden by a moderator or its author banned'),
        ),
        migrations.AlterField(
            model_name='pointsevent',
            name='reason',
            field=models.CharField(choices=[('new_best', 'Explanation beat the previous best score'), ('settled_best', 'Wrote the settled best explanation'), ('vote_received', 'Another player voted for your explanation'), ('consensus', 'Voted for the explanation that settled as best'), ('reversed', 'Points taken back: the explanation was deleted or hidden, or its voter banned'), ('restored', 'Points given back: the explanation was unhidden, or its voter unbanned')], max_length=32),
        ),
        migrations.AlterField(
            model_name='pointsevent',
            name='reverses',
            field=models.ForeignKey(blank=True, help_text='The award this row takes back (reversed) or gives back (restored)', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='compensations', to='game.pointsevent'),
        ),
        # What moderators hid so far was hidden by a moderator.
        migrations.RunPython(
            lambda apps, schema_editor: apps.get_model("game", "Explanation").objects.filter(hidden=True).update(
                moderator_hidden=True
            ),
            migrations.RunPython.noop,
        ),
    ]
