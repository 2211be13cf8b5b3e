# Lists, stars and comments on features.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('game', '0014_play_order_and_prepared_clues'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='FeatureList',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120)),
                ('description', models.TextField(blank=True, max_length=2000)),
                ('test_text', models.TextField(blank=True, max_length=2000)),
                ('public', models.BooleanField(default=False)),
                ('created', models.DateTimeField(auto_now_add=True)),
                ('updated', models.DateTimeField(auto_now=True, db_index=True)),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='feature_lists', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['-updated', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='FeatureListItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('note', models.TextField(blank=True, max_length=1000)),
                ('added', models.DateTimeField(auto_now_add=True)),
                ('feature', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='list_items', to='game.feature')),
                ('feature_list', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='research.featurelist')),
            ],
            options={
                'ordering': ['added', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='Star',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('feature', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stars', to='game.feature')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stars', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='Comment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(max_length=2000)),
                ('hidden', models.BooleanField(default=False)),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to=settings.AUTH_USER_MODEL)),
                ('feature', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='game.feature')),
            ],
            options={
                'ordering': ['created', 'pk'],
                'indexes': [models.Index(fields=['feature', 'created'], name='comment_feature_created')],
            },
        ),
        migrations.AddConstraint(
            model_name='featurelist',
            constraint=models.UniqueConstraint(fields=('owner', 'name'), name='one_list_name_per_owner'),
        ),
        migrations.AddConstraint(
            model_name='featurelistitem',
            constraint=models.UniqueConstraint(fields=('feature_list', 'feature'), name='a_feature_once_per_list'),
        ),
        migrations.AddConstraint(
            model_name='star',
            constraint=models.UniqueConstraint(fields=('user', 'feature'), name='one_star_per_user_and_feature'),
        ),
    ]
