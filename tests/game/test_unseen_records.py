"""The third record set: snippets kept unseen (for prediction modes) are never clues, never
scoring records, and never published while the feature is in play."""

from __future__ import annotations

import numpy as np
import pytest
from django.test import Client

from game import selectors
from game.importer import import_pack
from game.models import ActivationRecord, Campaign, Explanation, Feature
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


def _pack_with_unseen(path):
    pack = write_tiny_pack(path)
    for npz in (pack / "features").glob("*.npz"):
        with np.load(npz) as z:
            arrays = {n: z[n] for n in z.files}
        # Top rank 1 of every feature, and its second random window, are kept unseen.
        arrays["rec_unseen"] = ((arrays["rec_kind"] == 0) & (arrays["rec_rank"] == 1)) | (
            (arrays["rec_kind"] == 2) & (arrays["rec_rank"] == 1))
        np.savez_compressed(npz, **arrays)
    return pack


def test_unseen_records_are_imported_and_kept_out_of_clues_scoring_and_in_play_pages(tmp_path) -> None:
    import_pack(_pack_with_unseen(tmp_path / "p"), campaign="tiny")
    feature = Feature.objects.filter(max_activation__gt=0).select_related("source__model").first()
    unseen = set(feature.records.filter(unseen=True).values_list("pk", flat=True))
    assert len(unseen) == 2
    assert not ActivationRecord.objects.filter(unseen=True, held_out=True).exists()

    assert not unseen & set(selectors.clue_records(feature).values_list("pk", flat=True))
    explanation = Explanation.objects.filter(feature=feature).first()
    scoring = selectors.scoring_input_for(explanation)
    texts = {tuple(r.tokens) for r in scoring.top_records + scoring.random_records}
    unseen_texts = {tuple(r.tokens()) for r in ActivationRecord.objects.filter(pk__in=unseen)}
    assert not texts & unseen_texts
    assert feature.in_play
    assert not unseen & set(selectors.feature_records(feature).values_list("pk", flat=True))
    ref = feature.ref
    body = Client().get(f"/api/feature/{ref.model}/{ref.source}/{ref.index}").json()
    shown = {tuple(a["tokens"]) for a in body["activations"]}
    assert not shown & unseen_texts

    Campaign.objects.update(active=False)  # retired: everything may be published
    assert unseen <= set(selectors.feature_records(feature, in_play=False).values_list("pk", flat=True))
