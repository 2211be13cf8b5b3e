"""Whether a record's text is explicit, decided once and stored (it was checked on every
request). Existing records are checked here, in batches, with the same check as the import
(better-profanity's list plus the moderators' blocked words) on the record's whole text."""

from functools import lru_cache

import numpy as np
from django.db import migrations, models

BATCH = 1000


def flag_explicit_records(apps, schema_editor):
    from accounts.profanity import contains_profanity

    LanguageModel = apps.get_model("game", "LanguageModel")
    Vocabulary = apps.get_model("game", "Vocabulary")
    ActivationRecord = apps.get_model("game", "ActivationRecord")
    check = lru_cache(maxsize=100_000)(contains_profanity)  # overlapping windows repeat
    for model in LanguageModel.objects.order_by("pk"):
        vocab = Vocabulary.objects.filter(model=model).values_list("tokens", flat=True).first() or []
        records = ActivationRecord.objects.filter(feature__source__model=model).order_by("pk")
        last_pk = 0
        while batch := list(records.filter(pk__gt=last_pk).values_list("pk", "token_ids")[:BATCH]):
            last_pk = batch[-1][0]
            explicit = []
            for pk, token_ids in batch:
                # As LanguageModel.decode and ActivationRecord.text build it.
                ids = np.frombuffer(bytes(token_ids), dtype=np.int32)
                text = "".join(vocab[i] if 0 <= i < len(vocab) else "<?>" for i in ids)
                if check(text):
                    explicit.append(pk)
            if explicit:
                ActivationRecord.objects.filter(pk__in=explicit).update(explicit=True)


class Migration(migrations.Migration):

    dependencies = [
        ("game", "0010_reports_move_to_moderation"),
        ("accounts", "0002_blockedword"),  # the check reads the moderators' blocked words
    ]

    operations = [
        migrations.AddField(
            model_name="activationrecord",
            name="explicit",
            field=models.BooleanField(
                db_index=True, default=False,
                help_text="Its text holds a refused word: hidden from players who hide explicit content",
            ),
        ),
        migrations.RunPython(flag_explicit_records, migrations.RunPython.noop),
    ]
