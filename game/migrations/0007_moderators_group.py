"""The Moderators group: what moderating needs (the report queue, hiding or editing an
explanation, looking up features and flags), and nothing that changes the catalogue,
scores or points. `manage.py moderator add EMAIL` puts a player in it."""

from django.db import migrations

GROUP = "Moderators"
PERMISSIONS = [
    ("game", "view_explanation"),
    ("game", "change_explanation"),
    ("game", "view_explanationreport"),
    ("game", "change_explanationreport"),
    ("game", "view_feature"),
    ("game", "view_puzzleview"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate); on a fresh
    # database they do not exist yet, so create them now.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, codename in PERMISSIONS:
        group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("game", "0006_player_and_explanation_deletion"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
