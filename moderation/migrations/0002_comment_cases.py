# Cases about comments: a third kind of target.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('game', '0014_play_order_and_prepared_clues'),
        ('moderation', '0001_initial'),
        ('research', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='case',
            name='case_has_one_target_of_its_kind',
        ),
        migrations.AddField(
            model_name='case',
            name='comment',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='moderation_case', to='research.comment'),
        ),
        migrations.AlterField(
            model_name='case',
            name='kind',
            field=models.CharField(choices=[('explanation', 'Explanation'), ('comment', 'Comment'), ('user', 'Player')], max_length=16),
        ),
        migrations.AddConstraint(
            model_name='case',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('comment__isnull', True), ('explanation__isnull', False), ('kind', 'explanation'), ('user__isnull', True)), models.Q(('comment__isnull', False), ('explanation__isnull', True), ('kind', 'comment'), ('user__isnull', True)), models.Q(('comment__isnull', True), ('explanation__isnull', True), ('kind', 'user'), ('user__isnull', False)), _connector='OR'), name='case_has_one_target_of_its_kind'),
        ),
    ]
