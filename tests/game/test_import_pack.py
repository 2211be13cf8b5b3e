from __future__ import annotations

import json

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from game.importer import import_pack
from game.models import ActivationRecord, Campaign, Explanation, Feature, LanguageModel, Score, Source, Vote
from jobs.models import Job
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db

COUNTED = [LanguageModel, Source, Feature, ActivationRecord, Explanation, Score, Job, Campaign]


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


def test_it_imports_every_source_feature_and_record(tmp_path) -> None:
    report = import_pack(write_tiny_pack(tmp_path / "p"), campaign="tiny")
    assert Source.objects.count() == 2
    assert Feature.objects.count() == 8
    assert ActivationRecord.objects.count() == 8 * 7 == report.records_written
    # the last feature of each source never fires: no baseline, not played
    assert Explanation.objects.filter(author__isnull=True).count() == 6
    assert Campaign.objects.get(slug="tiny").active is True
    assert Campaign.objects.get(slug="tiny").features.count() == 6


def test_records_decode_to_tokens_and_sparse_values(tmp_path) -> None:
    import_pack(write_tiny_pack(tmp_path / "p"))
    rec = ActivationRecord.objects.filter(kind="top", rank=0).select_related("feature__source__model").first()
    values = rec.values()
    assert len(rec.tokens()) == len(values) == rec.length == 8
    assert values[4] == pytest.approx(3.0) and values[5] == pytest.approx(1.5)
    assert sum(1 for v in values if v) == 2
    assert rec.duplicates == 2


def test_importing_twice_changes_no_row_counts(tmp_path) -> None:
    pack = write_tiny_pack(tmp_path / "p")
    import_pack(pack, campaign="tiny")
    first = counts()
    ids = sorted(ActivationRecord.objects.values_list("id", flat=True))
    report = import_pack(pack, campaign="tiny")
    assert counts() == first
    assert sorted(report.sources_unchanged) == ["0-mlp", "0-res-sae"]
    assert sorted(ActivationRecord.objects.values_list("id", flat=True)) == ids


def test_reimporting_a_rebuilt_pack_keeps_players_rows(tmp_path) -> None:
    import_pack(write_tiny_pack(tmp_path / "p"))
    user = get_user_model().objects.create_user("ada", "ada@example.com", "pw-long-enough")
    feature = Feature.objects.get(source__slug="0-res-sae", index=1)
    mine = Explanation.objects.create(feature=feature, text="cats sitting", author=user, status="scored", score_value=0.5,
                                      score_method="offline-simulation")
    Score.objects.create(explanation=mine, method="offline-simulation", status="ok", value=0.5)
    baseline = Explanation.objects.filter(feature=feature, author__isnull=True).first()
    Vote.objects.create(user=user, explanation=baseline)

    import_pack(write_tiny_pack(tmp_path / "p2", scale=2.0, extra_text=" (v2)"))

    assert Explanation.objects.filter(pk=mine.pk).exists()
    assert Score.objects.filter(explanation=mine, value=0.5).exists()
    assert Vote.objects.filter(user=user, explanation=baseline).exists()
    feature.refresh_from_db()
    assert feature.max_activation == pytest.approx(6.0)
    assert ActivationRecord.objects.count() == 8 * 7
    # the old baseline stays (it has a vote); the rebuilt pack's text is added beside it
    assert Explanation.objects.filter(feature=feature, author__isnull=True).count() == 2


def test_baseline_explanations_are_queued_for_scoring_behind_players(tmp_path) -> None:
    report = import_pack(write_tiny_pack(tmp_path / "p"))
    assert report.scores_queued == 6
    assert set(Job.objects.filter(name="score_explanation").values_list("priority", flat=True)) == {10}
    assert Score.objects.filter(status="pending").count() == 6


def test_a_directory_that_is_not_a_pack_is_refused_clearly(tmp_path) -> None:
    with pytest.raises(CommandError, match="is not a pack: no pack.json"):
        call_command("import_pack", str(tmp_path))


def test_a_pack_with_a_broken_feature_file_fails_with_the_pack_readers_error(tmp_path) -> None:
    pack = write_tiny_pack(tmp_path / "p")
    path = pack / "features" / "0-res-sae.npz"
    with np.load(path) as z:
        arrays = {n: z[n] for n in z.files if n != "rec_nz_ptr"}
    np.savez_compressed(path, **arrays)
    with pytest.raises(CommandError, match=r"feature arrays missing: \['rec_nz_ptr'\]"):
        call_command("import_pack", str(pack))
    assert not Feature.objects.filter(source__slug="0-res-sae").exists()


def test_a_pack_with_a_bad_explanation_line_names_the_file_and_line(tmp_path) -> None:
    pack = write_tiny_pack(tmp_path / "p")
    with (pack / "explanations" / "0-mlp.jsonl").open("a") as fh:
        fh.write("{not json\n")
    with pytest.raises(CommandError, match=r"explanations/0-mlp.jsonl:5: invalid JSON"):
        call_command("import_pack", str(pack))


def test_a_source_missing_required_fields_is_refused_clearly(tmp_path) -> None:
    pack = write_tiny_pack(tmp_path / "p")
    meta = json.loads((pack / "pack.json").read_text())
    del meta["sources"][0]["hook_point"]
    (pack / "pack.json").write_text(json.dumps(meta))
    with pytest.raises(CommandError, match=r"source '0-mlp' is missing \['hook_point'\]"):
        call_command("import_pack", str(pack))


def test_control_characters_in_the_vocabulary_become_visible_marks(tmp_path) -> None:
    import_pack(write_tiny_pack(tmp_path / "p"))
    vocab = LanguageModel.objects.get().vocab
    assert vocab[-1] == "<0x00>"
    assert "\x00" not in "".join(vocab)
    assert vocab[10] == "\u202eevil"  # bidi controls are format characters, kept (rendered isolated)


def test_a_retrained_model_gets_its_own_campaign_which_takes_over_and_the_old_one_stays(tmp_path) -> None:
    import_pack(write_tiny_pack(tmp_path / "old"), campaign="demo")
    old_feature = Feature.objects.filter(source__model__slug="tiny-model").first()
    old_explanations = Explanation.objects.filter(feature__source__model__slug="tiny-model").count()
    report = import_pack(write_tiny_pack(tmp_path / "new", slug="tiny-model-v2"), campaign="demo")

    assert report.campaign == "demo-tiny-model-v2"
    active = Campaign.objects.get(active=True)
    assert active.slug == "demo-tiny-model-v2"
    assert not active.features.exclude(source__model__slug="tiny-model-v2").exists()
    old = Campaign.objects.get(slug="demo")
    assert not old.active and old.features.filter(pk=old_feature.pk).exists()
    old_feature.refresh_from_db()
    assert not old_feature.in_play  # retired, still browsable with what it had
    assert Explanation.objects.filter(feature__source__model__slug="tiny-model").count() == old_explanations
    # Importing the new pack again keeps its campaign; nothing moves back.
    again = import_pack(write_tiny_pack(tmp_path / "new", slug="tiny-model-v2"), campaign="demo")
    assert again.campaign == "demo-tiny-model-v2"
    assert Campaign.objects.get(active=True).slug == "demo-tiny-model-v2"
