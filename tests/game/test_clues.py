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
from game.clues import CLUE_FORMAT
from game.models import Campaign, Feature, PreparedClues
from game.selectors import clue_records, record_payload
from jobs.models import Job
from jobs.worker import work
from tests.accounts.profanity_helpers import fresh_word_list  # noqa: F401
from tests.factories import make_campaign, make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in
from tests.game.test_explicit import hidden_and_shown, import_planted
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


def _records_read(ctx: CaptureQueriesContext) -> int:
    # Reads of records themselves (the choice only asks whether clues exist).
    return sum(q["sql"].startswith("SELECT") and "FROM \"game_activationrecord\"" in q["sql"] for q in ctx.captured_queries)


def test_a_puzzles_clues_are_its_records_and_the_second_serving_reads_no_record() -> None:
    feature = make_feature(records=4)
    make_campaign(features=[feature])
    body = logged_in(make_user()).get("/api/puzzle/next").json()
    model = feature.source.model
    expected = [record_payload(r, model) for r in clue_records(feature) if r.kind == "top"]
    assert [{k: c[k] for k in expected[0]} for c in body["clues"]] == expected
    assert all(c["hidden_explicit"] is False for c in body["clues"]) and len(body["quantiles"]) == 1
    assert PreparedClues.objects.filter(feature=feature, version=f"{CLUE_FORMAT}:{feature.source.pack_version}").exists()

    with CaptureQueriesContext(connection) as ctx:
        again = logged_in(make_user()).get("/api/puzzle/next")
    assert again.status_code == 200 and again.json()["clues"] == body["clues"]
    assert _records_read(ctx) == 0


def test_clues_prepared_for_another_pack_version_are_rebuilt_on_the_next_puzzle() -> None:
    feature = make_feature(records=2)
    make_campaign(features=[feature])
    PreparedClues.objects.create(feature=feature, version="0:old-pack", shown='"clues":[],"quantiles":[]')
    body = Client().get("/api/puzzle/next").json()
    assert len(body["clues"]) == 2
    assert PreparedClues.objects.get(feature=feature).version == f"{CLUE_FORMAT}:{feature.source.pack_version}"


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
