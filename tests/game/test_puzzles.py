from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from accounts.models import Profile
from game.models import PuzzleView
from tests.factories import (
    make_campaign, make_explanation, make_feature, make_model, make_record, make_source, make_user,
)
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db


def test_anonymous_players_get_a_puzzle_with_clues_and_explanations() -> None:
    feature = make_feature(records=3)
    make_explanation(feature=feature, text="fruit", score=0.5)
    body = Client().get("/api/puzzle/next").json()
    assert body["feature"] == {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index}
    # The factory writes one window three times: merged into one clue standing for the others.
    assert len(body["clues"]) == 1 and body["clues"][0]["duplicates"] == 2
    assert len(body["quantiles"]) == 1
    assert body["clues"][0]["tokens"] == [" the", " cat", " ate", " a", " banana", "."]
    assert [e["text"] for e in body["explanations"]] == ["fruit"]
    assert body["max_activation"] == 5.0
    assert PuzzleView.objects.get(pk=body["puzzle_id"]).session_key


def test_held_out_records_never_appear_as_clues() -> None:
    make_feature(records=2)
    body = Client().get("/api/puzzle/next").json()
    tokens = [c["tokens"] for c in body["clues"] + body["quantiles"]]
    assert [" the", " dog", " ran", "."] not in tokens


def test_a_player_does_not_get_the_same_feature_twice_while_others_remain() -> None:
    source = make_source()
    features = {make_feature(source=source).pk for _ in range(3)}
    client = Client()
    seen = {client.get("/api/puzzle/next").json()["feature"]["index"] for _ in range(3)}
    assert len(seen) == 3
    assert features


def test_features_with_fewer_votes_come_first() -> None:
    source = make_source()
    busy = make_feature(source=source)
    busy.vote_count = 9
    busy.save()
    quiet = make_feature(source=source)
    assert Client().get("/api/puzzle/next").json()["feature"]["index"] == quiet.index


def test_the_active_campaign_decides_the_features() -> None:
    source = make_source()
    make_feature(source=source)
    chosen = make_feature(source=make_source(model=source.model))
    make_campaign(features=[chosen])
    for _ in range(3):
        assert Client().get("/api/puzzle/next").json()["feature"]["index"] == chosen.index


def test_without_a_campaign_only_the_first_models_features_are_played() -> None:
    first = make_feature()
    make_feature(source=make_source(model=make_model()))
    client = Client()
    indexes = {client.get("/api/puzzle/next").json()["feature"]["index"] for _ in range(3)}
    assert indexes == {first.index}


def test_a_skipped_feature_comes_back_only_after_the_cool_down() -> None:
    source = make_source()
    a, b = make_feature(source=source), make_feature(source=source)
    client = logged_in(make_user())
    first = client.get("/api/puzzle/next").json()
    assert post_json(client, f"/api/puzzle/{first['puzzle_id']}/skip").json()["action"] == "skip"
    second = client.get("/api/puzzle/next").json()
    assert second["feature"]["index"] != first["feature"]["index"]
    PuzzleView.objects.filter(pk=first["puzzle_id"]).update(created=dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc))
    third = client.get("/api/puzzle/next").json()
    assert third["feature"]["index"] == first["feature"]["index"]
    assert {a.index, b.index} == {first["feature"]["index"], second["feature"]["index"]}


def test_skipping_someone_elses_puzzle_answers_404() -> None:
    make_feature()
    puzzle_id = Client().get("/api/puzzle/next").json()["puzzle_id"]
    assert post_json(Client(), f"/api/puzzle/{puzzle_id}/skip").status_code == 404


def test_flagging_records_the_reason() -> None:
    make_feature()
    client = logged_in(make_user())
    puzzle_id = client.get("/api/puzzle/next").json()["puzzle_id"]
    response = post_json(client, f"/api/puzzle/{puzzle_id}/flag", {"reason": "polysemantic"})
    assert response.status_code == 200
    assert PuzzleView.objects.get(pk=puzzle_id).reason == "polysemantic"


def test_flagging_with_an_unknown_reason_is_refused() -> None:
    make_feature()
    client = logged_in(make_user())
    puzzle_id = client.get("/api/puzzle/next").json()["puzzle_id"]
    response = post_json(client, f"/api/puzzle/{puzzle_id}/flag", {"reason": "boring"})
    assert response.status_code == 400
    assert response.json()["field"] == "reason"


def test_flagging_needs_a_login() -> None:
    make_feature()
    client = Client()
    puzzle_id = client.get("/api/puzzle/next").json()["puzzle_id"]
    assert post_json(client, f"/api/puzzle/{puzzle_id}/flag", {"reason": "none_fit"}).status_code == 401


def explicit_feature():
    feature = make_feature(records=1)
    make_record(feature=feature, token_ids=[16, 18, 5], values=[0, 4.0, 0], rank=5)  # " I damn mat"
    return feature


def test_explicit_texts_are_replaced_for_players_who_hide_them() -> None:
    explicit_feature()
    user = make_user()
    Profile.objects.create(user=user, hide_explicit=True)
    body = logged_in(user).get("/api/puzzle/next").json()
    hidden = [c for c in body["clues"] if c["hidden_explicit"]]
    assert len(hidden) == 1
    assert "tokens" not in hidden[0] and "values" not in hidden[0]
    assert "damn" not in json.dumps(body)


def test_anonymous_players_can_ask_to_hide_explicit_texts() -> None:
    explicit_feature()
    body = Client().get("/api/puzzle/next", {"hide_explicit": "1"}).json()
    assert sum(c["hidden_explicit"] for c in body["clues"]) == 1
    assert "damn" not in json.dumps(body)


def test_explicit_texts_are_shown_by_default() -> None:
    explicit_feature()
    body = logged_in(make_user()).get("/api/puzzle/next").json()
    assert not any(c["hidden_explicit"] for c in body["clues"])


def test_hidden_explanations_are_not_in_the_puzzle() -> None:
    feature = make_feature()
    make_explanation(feature=feature, text="secret", hidden=True)
    assert Client().get("/api/puzzle/next").json()["explanations"] == []


def test_no_features_answers_404_with_a_message() -> None:
    response = Client().get("/api/puzzle/next")
    assert response.status_code == 404
    assert "error" in response.json()


def test_anonymous_reads_other_than_serving_a_puzzle_start_no_session() -> None:
    from django.conf import settings
    from django.contrib.sessions.models import Session

    feature = make_feature()
    client = Client()
    ref = f"{feature.source.model.slug}/{feature.source.slug}/{feature.index}"
    for path in (f"/api/feature/{ref}", f"/{ref}", "/api/leaderboard", "/api/puzzle/1", "/leaderboard"):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert settings.SESSION_COOKIE_NAME not in response.cookies, path
    assert not Session.objects.exists()
    # Serving a puzzle records the view the puzzle id names, and that needs the session.
    body = client.get("/api/puzzle/next").json()
    assert PuzzleView.objects.get(pk=body["puzzle_id"]).session_key == Session.objects.get().session_key
