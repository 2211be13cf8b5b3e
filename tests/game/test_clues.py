"""Prepared clues: a feature's clues are encoded once (per display format and pack version) and
spliced into every puzzle as stored, rebuilt when what they were built from changes."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.blocked_words import blocked_word_add
from game import importer
from game.clues import CLUE_FORMAT, NEAR_TOKENS, WEAKER_CEILING, window_key
from game.models import ActivationRecord, Campaign, Feature, PreparedClues
from game.selectors import clue_records, record_payload
from jobs.models import Job
from jobs.worker import work
from tests.accounts.profanity_helpers import fresh_word_list  # noqa: F401
from tests.factories import (
    VOCAB,
    make_campaign,
    make_explanation,
    make_feature,
    make_model,
    make_record,
    make_source,
    make_user,
)
from tests.game.api_helpers import logged_in
from tests.game.test_explicit import hidden_and_shown, import_planted
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


def _records_read(ctx: CaptureQueriesContext) -> int:
    # Reads of records themselves (the choice only asks whether clues exist).
    return sum(q["sql"].startswith("SELECT") and "FROM \"game_activationrecord\"" in q["sql"] for q in ctx.captured_queries)


def _feature_with_distinct_clues(records: int = 4) -> Feature:
    """`make_feature` repeats one window; here every top record is a different snippet."""
    feature = make_feature(records=0)
    texts = [[1, 2, 9, 10, 6, 14], [16, 17, 8, 14], [12, 13, 4, 1, 5, 14], [11, 19, 8, 15, 10, 7, 14]]
    for rank in range(records):
        ids = texts[rank % len(texts)] + [14] * (rank // len(texts))
        values = [0.0] * len(ids)
        values[ids.index(14) - 1] = 5.0 - rank * 0.5
        make_record(feature=feature, token_ids=ids, values=values, rank=rank)
    return feature


def test_a_puzzles_clues_are_its_records_and_the_second_serving_reads_no_record() -> None:
    feature = _feature_with_distinct_clues(records=4)
    make_campaign(features=[feature])
    body = logged_in(make_user()).get("/api/puzzle/next").json()
    model = feature.source.model
    expected = [record_payload(r, model) for r in clue_records(feature) if r.kind == "top"]
    assert [{k: c[k] for k in expected[0]} for c in body["clues"]] == expected
    assert all(c["hidden_explicit"] is False and c["similar"] == [] for c in body["clues"])
    assert len(body["quantiles"]) == 1
    assert PreparedClues.objects.filter(feature=feature, version=f"{CLUE_FORMAT}:{feature.source.pack_version}").exists()

    with CaptureQueriesContext(connection) as ctx:
        again = logged_in(make_user()).get("/api/puzzle/next")
    assert again.status_code == 200 and again.json()["clues"] == body["clues"]
    assert _records_read(ctx) == 0


def test_clues_prepared_for_another_pack_version_are_rebuilt_on_the_next_puzzle() -> None:
    feature = _feature_with_distinct_clues(records=2)
    make_campaign(features=[feature])
    PreparedClues.objects.create(feature=feature, version="0:old-pack", shown='"clues":[],"quantiles":[]')
    body = Client().get("/api/puzzle/next").json()
    assert len(body["clues"]) == 2
    assert PreparedClues.objects.get(feature=feature).version == f"{CLUE_FORMAT}:{feature.source.pack_version}"


def test_clues_prepared_in_the_format_before_folding_are_rebuilt_for_the_same_pack() -> None:
    feature = make_feature(records=2)  # two copies of one window
    make_campaign(features=[feature])
    model = feature.source.model
    copies = [{**record_payload(r, model), "hidden_explicit": False} for r in clue_records(feature) if r.kind == "top"]
    old = json.dumps({"clues": copies, "quantiles": []})[1:-1]
    assert CLUE_FORMAT != "1"
    PreparedClues.objects.create(feature=feature, version=f"1:{feature.source.pack_version}", shown=old)
    body = Client().get("/api/puzzle/next").json()
    assert [c["duplicates"] for c in body["clues"]] == [1]
    assert [s["tokens"] for s in body["clues"][0]["similar"]] == [copies[1]["tokens"]]
    assert PreparedClues.objects.get(feature=feature).version == f"{CLUE_FORMAT}:{feature.source.pack_version}"


# Words the folding tests need beyond the factories' vocabulary (ids 20 on).
FOLD_VOCAB = [*VOCAB, "The", "  cat", " BANANA"]
THE, WIDE_CAT, LOUD_BANANA = 20, 21, 22


def _record(feature: Feature, ids: list[int], peak: int, value: float, rank: int, *, kind: str = "top",
            quantile_bin: int | None = None, duplicates: int = 0) -> None:
    values = [0.0] * len(ids)
    values[peak] = value
    r = make_record(feature=feature, token_ids=ids, values=values, rank=rank, kind=kind, quantile_bin=quantile_bin)
    if duplicates:
        ActivationRecord.objects.filter(pk=r.pk).update(duplicates=duplicates)


def _bare_feature() -> Feature:
    """A feature of the folding vocabulary with no records of its own."""
    feature = make_feature(source=make_source(model=make_model(vocab=FOLD_VOCAB)), records=0)
    feature.records.all().delete()
    return feature


def test_near_identical_windows_fold_into_the_strongest_which_keeps_them_and_their_counts() -> None:
    feature = _bare_feature()
    # Differ only in case and spacing: one snippet to a reader.
    _record(feature, [1, 2, 9, 10, 6, 14], 4, 4.0, 0, duplicates=2)        # " the cat ate a banana ."
    _record(feature, [THE, WIDE_CAT, 9, 10, LOUD_BANANA, 14], 4, 5.0, 1, duplicates=1)  # "The  cat ate a BANANA ."
    # Differ only more than NEAR_TOKENS tokens before the peak.
    shared = [3, 4, 5, 15, 16, 17, 1, 2, 9, 6, 14]  # " sat on mat , I like the cat ate banana ."
    _record(feature, [11, 19, *shared], 11, 3.0, 2)
    _record(feature, [12, 13, *shared], 11, 3.5, 3)
    _record(feature, [16, 17, 7, 14], 2, 2.0, 4)  # " I like apple .": its own snippet
    body = Client().get("/api/puzzle/next").json()
    model = feature.source.model
    text = lambda c: "".join(c["tokens"])

    assert [text(c) for c in body["clues"]] == [
        "The  cat ate a BANANA.", " dog ran sat on mat, I like the cat ate banana.", " I like apple.",
    ]
    first, second, third = body["clues"]
    # The kept one's own 1, plus the folded record and the 2 it stood for.
    assert first["duplicates"] == 1 + 1 + 2 and first["max_value"] == 5.0
    assert first["similar"] == [{"tokens": model.decode([1, 2, 9, 10, 6, 14]), "values": [0.0, 0.0, 0.0, 0.0, 4.0, 0.0],
                                 "max_value": 4.0, "max_position": 4}]
    assert second["duplicates"] == 1 and [text(s) for s in second["similar"]] == [" red green" + text(second)[len(" dog ran"):]]
    assert third["duplicates"] == 0 and third["similar"] == []
    assert window_key(first["tokens"], 4) == window_key(first["similar"][0]["tokens"], 4)


def test_weaker_examples_are_distinct_from_the_top_clues_below_them_and_strongest_first() -> None:
    feature = _bare_feature()
    _record(feature, [1, 2, 9, 10, 6, 14], 4, 5.0, 0)                      # the strongest clue
    _record(feature, [11, 7, 14], 1, 4.6, 0, kind="quantile", quantile_bin=2)   # 92 %: not weaker
    _record(feature, [THE, 2, 9, 10, LOUD_BANANA, 14], 4, 2.0, 0, kind="quantile", quantile_bin=1)  # the top clue again
    _record(feature, [17, 8, 14], 1, 1.0, 1, kind="quantile", quantile_bin=1)
    _record(feature, [16, 17, 8, 14], 2, 1.5, 2, kind="quantile", quantile_bin=1)
    _record(feature, [19, 7, 14], 1, 3.0, 0, kind="quantile", quantile_bin=0)   # a low bin, yet stronger
    _record(feature, [19, 7, 15], 1, 0.5, 1, kind="quantile", quantile_bin=0)
    _record(feature, [19, 7, 15], 1, 0.4, 2, kind="quantile", quantile_bin=0)   # twice in the weaker ones
    body = Client().get("/api/puzzle/next").json()

    weaker = body["quantiles"]
    assert ["".join(q["tokens"]) for q in weaker] == [" green apple.", " I like fruit.", " like fruit.", " green apple,"]
    strengths = [q["max_value"] for q in weaker]
    assert strengths == sorted(strengths, reverse=True) and max(strengths) < WEAKER_CEILING * 5.0
    top_keys = {window_key(c["tokens"], c["max_position"]) for c in body["clues"]}
    assert not top_keys & {window_key(q["tokens"], q["max_position"]) for q in weaker}
    assert weaker[-1]["duplicates"] == 1 and weaker[-1]["similar"][0]["max_value"] == 0.4


def test_a_folded_explicit_window_is_counted_but_never_sent_to_a_player_who_hides_them() -> None:
    feature = _bare_feature()
    tail = [4, 5, 15, 1, 2, 9, 10, 6, 14]  # " on mat , the cat ate a banana ."
    _record(feature, [12, 13, 3, *tail], 11, 5.0, 0)
    _record(feature, [18, 11, 19, *tail], 11, 4.0, 1)  # starts " damn": explicit, far from the peak
    assert feature.records.filter(explicit=True).count() == 1
    shown = Client().get("/api/puzzle/next").json()
    hidden = Client().get("/api/puzzle/next", {"hide_explicit": "1"}).json()
    assert [c["duplicates"] for c in shown["clues"]] == [c["duplicates"] for c in hidden["clues"]] == [1]
    assert "damn" in json.dumps(shown) and hidden["clues"][0]["similar"] == []
    assert "damn" not in json.dumps(hidden)


def test_window_keys_ignore_case_spacing_and_text_far_from_the_peak() -> None:
    far = ["x"] * (NEAR_TOKENS + 1)
    assert window_key([*far, " The", " Cat"], len(far) + 1) == window_key(["y", *far[1:], "the", "  cat"], len(far) + 1)
    assert window_key([" the", " cat"], 1) != window_key([" the", " dog"], 1)


@pytest.mark.usefixtures("fresh_word_list")
def test_a_word_blocked_after_the_clues_were_prepared_is_hidden_once_rechecked(tmp_path) -> None:
    import_planted(tmp_path, word=" zorblax")
    first = Client().get("/api/puzzle/next", {"hide_explicit": "1"}).json()
    assert not hidden_and_shown(first)[0] and "zorblax" in json.dumps(first)

    blocked_word_add("zorblax", by=make_user())
    call_command("recheck_explicit")
    later = Client().get("/api/puzzle/next", {"hide_explicit": "1"}).json()
    assert hidden_and_shown(later)[0] and "zorblax" not in json.dumps(later)


def test_an_import_queues_the_preparation_of_every_features_clues(tmp_path) -> None:
    pack = write_tiny_pack(tmp_path / "pack")
    importer.import_pack(pack, campaign="tiny", score_baselines=False)
    assert Job.objects.filter(name="prepare_clues").count() == Feature.objects.values("source").distinct().count()
    work(burst=True, worker_id="w1")
    for feature in Feature.objects.select_related("source"):
        row = PreparedClues.objects.get(feature=feature)
        assert row.version == f"{CLUE_FORMAT}:{feature.source.pack_version}"
    # What the worker prepared is what a puzzle shows.
    body = Client().get("/api/puzzle/next").json()
    served = Feature.objects.get(source__slug=body["feature"]["source"], index=body["feature"]["index"])
    assert json.loads("{" + PreparedClues.objects.get(feature=served).shown + "}")["clues"] == body["clues"]
    assert Campaign.objects.filter(slug="tiny", active=True).exists()


def test_serving_a_puzzle_takes_as_many_queries_with_six_explanations_as_with_one(settings) -> None:
    settings.GOLD_RATE_START = settings.GOLD_RATE_FLOOR = 0.0  # the dice would add the gold queries at random
    def queries(n_explanations: int) -> int:
        feature = make_feature(records=5)
        Campaign.objects.all().delete()
        make_campaign(features=[feature])
        for i in range(n_explanations):
            make_explanation(feature=feature, text=f"explanation number {i}")
        player = logged_in(make_user())
        player.get("/api/puzzle/next")  # prepares the clues
        Feature.objects.filter(pk=feature.pk).update(vote_count=0)
        player = logged_in(make_user())
        with CaptureQueriesContext(connection) as ctx:
            assert player.get("/api/puzzle/next").status_code == 200
        return len(ctx.captured_queries)

    assert queries(6) == queries(1)
