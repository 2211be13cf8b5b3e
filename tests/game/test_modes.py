"""The other modes and what measures players: weighted consensus settling, human simulation,
this or that, boards per mode and daily streaks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from game.models import (
    Comparison,
    Feature,
    GoldAnswer,
    PlantedFeature,
    PointsEvent,
    SimulationTask,
    Vote,
)
from game.services.points import feature_settle
from game.streaks import streak
from tests.factories import (
    make_campaign,
    make_explanation,
    make_feature,
    make_record,
    make_source,
    make_user,
    set_score,
)
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db


def _measured(correct: int, answered: int):
    """A player with this record on gold puzzles."""
    user = make_user()
    source = make_source()
    for k in range(answered):
        feature = make_feature(source=source, records=1)
        true = make_explanation(feature=feature, text=f"true {k}")
        planted = PlantedFeature.objects.create(feature=feature, key=f"k{user.pk}-{k}", kind="token", true_explanation=true)
        GoldAnswer.objects.create(user=user, planted=planted, chosen=true, options=4, correct=k < correct)
    return user


def test_measured_players_overrule_the_scorer_and_the_page_says_why():
    feature = make_feature()
    make_campaign(features=[feature])
    scorer_pick = set_score(make_explanation(feature=feature, text="the scorer's pick"), 0.50)
    players_pick = set_score(make_explanation(feature=feature, text="what players see"), 0.45)
    for _ in range(3):
        post_json(logged_in(_measured(10, 10)), f"/api/explanations/{players_pick.pk}/vote")
    settled = feature_settle(feature)
    assert settled == players_pick
    feature.refresh_from_db()
    assert "Weighted consensus agreed" in feature.settled_reason and "what players see" in feature.settled_reason
    page = logged_in(make_user()).get(feature.get_absolute_url())
    assert "Weighted consensus agreed" in page.content.decode()
    assert scorer_pick.pk != settled.pk


def test_careless_and_adversarial_votes_do_not_settle_a_feature():
    feature = make_feature()
    make_campaign(features=[feature])
    set_score(make_explanation(feature=feature, text="good"), 0.50)
    bad = set_score(make_explanation(feature=feature, text="bad"), 0.45)
    for _ in range(4):  # measured at 1 in 10: their votes count against what they choose
        post_json(logged_in(_measured(1, 10)), f"/api/explanations/{bad.pk}/vote")
    assert feature_settle(feature) != bad
    feature.refresh_from_db()
    assert feature.settled_explanation_id != bad.pk


@pytest.fixture
def simulation_feature():
    feature = make_feature(max_activation=4.0)
    # Unseen snippets: two where it fires (on " banana"), two where it does not.
    for rank in range(2):
        record = make_record(feature=feature, token_ids=[1, 2, 9, 10, 6, 14], values=[0, 0, 0, 0, 4.0, 0], rank=10 + rank)
        record.unseen = True
        record.save()
        quiet = make_record(feature=feature, token_ids=[16, 17, 7, 14], values=[0, 0, 0, 0], kind="random", rank=rank)
        quiet.unseen = True
        quiet.save()
    make_campaign(features=[feature])
    explanation = set_score(make_explanation(feature=feature, text="The word banana"), 0.6)
    return feature, explanation


def test_a_simulation_task_shows_the_explanation_and_unseen_snippets_without_values(simulation_feature):
    _, explanation = simulation_feature
    client = logged_in(make_user())
    task = client.get("/api/simulate/next").json()
    assert task["explanation"] == {"id": explanation.pk, "text": "The word banana"}
    assert len(task["snippets"]) == 4
    assert all(set(s) == {"tokens"} for s in task["snippets"])  # no activations, no ref
    # Served again until answered: reloading does not deal a fresh hand.
    assert client.get("/api/simulate/next").json()["task_id"] == task["task_id"]


def test_marks_that_follow_the_feature_score_well_and_earn_points(simulation_feature):
    user = make_user()
    client = logged_in(user)
    task = client.get("/api/simulate/next").json()
    marks = [[i for i, t in enumerate(s["tokens"]) if t == " banana"] for s in task["snippets"]]
    result = post_json(client, f"/api/simulate/{task['task_id']}", {"marks": marks})
    assert result.status_code == 200, result.content
    body = result.json()
    assert body["token_correlation"] == pytest.approx(1.0)
    assert body["balanced_accuracy"] == pytest.approx(1.0)
    assert body["points"] == 5 and sorted(body["fired"]) == [False, False, True, True]
    assert body["human_score"] == {"value": pytest.approx(1.0), "stderr": None, "players": 1}
    # One answer per task: a second is refused, nothing changes.
    again = post_json(client, f"/api/simulate/{task['task_id']}", {"marks": [[], [], [], []]})
    assert again.status_code == 409
    assert SimulationTask.objects.get().token_correlation == pytest.approx(1.0)
    # A second player's worse marks pull the explanation's human score down.
    other = logged_in(make_user())
    task2 = other.get("/api/simulate/next").json()
    wrong = [[0] for _ in task2["snippets"]]
    worse = post_json(other, f"/api/simulate/{task2['task_id']}", {"marks": wrong}).json()
    assert worse["points"] == 0 and worse["human_score"]["players"] == 2
    assert worse["human_score"]["value"] < 1.0
    assert PointsEvent.objects.filter(reason="simulation").count() == 1


def test_bad_marks_get_a_clear_400_and_keep_the_task_open(simulation_feature):
    client = logged_in(make_user())
    task = client.get("/api/simulate/next").json()
    short = post_json(client, f"/api/simulate/{task['task_id']}", {"marks": [[0]]})
    assert short.status_code == 400 and "one list" in short.json()["error"]
    out_of_range = post_json(client, f"/api/simulate/{task['task_id']}", {"marks": [[99], [], [], []]})
    assert out_of_range.status_code == 400 and "99" in out_of_range.json()["error"]
    assert SimulationTask.objects.get().answered is None
    assert client.post(f"/api/simulate/{task['task_id']}", "not json", content_type="application/json").status_code == 400
    assert post_json(logged_in(make_user()), f"/api/simulate/{task['task_id']}", {"marks": []}).status_code == 404


def test_this_or_that_asks_a_pair_records_the_pick_and_rates():
    feature = make_feature()
    make_campaign(features=[feature])
    a = set_score(make_explanation(feature=feature, text="A"), 0.4)
    b = set_score(make_explanation(feature=feature, text="B"), 0.3)
    client = logged_in(make_user())
    pair = client.get("/api/compare/next").json()
    assert {pair["left"]["id"], pair["right"]["id"]} == {a.pk, b.pk} and pair["clues"]
    bad = post_json(client, f"/api/compare/{pair['comparison_id']}", {"winner": 999999})
    assert bad.status_code == 400 and "one of the two" in bad.json()["error"]
    result = post_json(client, f"/api/compare/{pair['comparison_id']}", {"winner": b.pk})
    assert result.status_code == 200
    ratings = {r["explanation_id"]: r for r in result.json()["ratings"]}
    assert ratings[b.pk]["rating"] > ratings[a.pk]["rating"] and ratings[b.pk]["comparisons"] == 1
    assert post_json(client, f"/api/compare/{pair['comparison_id']}", {"winner": a.pk}).status_code == 409
    # The only pair is judged: nothing more to ask this player.
    assert client.get("/api/compare/next").status_code == 404
    assert Comparison.objects.get().winner_id == b.pk


def test_boards_per_mode_count_only_their_awards(client):
    writer, predictor = make_user(username="writer"), make_user(username="predictor")
    PointsEvent.objects.create(user=writer, points=10, reason=PointsEvent.Reason.NEW_BEST)
    PointsEvent.objects.create(user=predictor, points=4, reason=PointsEvent.Reason.SIMULATION)
    simulate = client.get("/api/leaderboard", {"mode": "simulate"}).json()
    assert simulate["mode"] == "simulate" and [e["username"] for e in simulate["entries"]] == ["predictor"]
    explain = client.get("/api/leaderboard", {"mode": "explain"}).json()
    assert [e["username"] for e in explain["entries"]] == ["writer"]
    assert [e["username"] for e in client.get("/api/leaderboard").json()["entries"]] == ["writer", "predictor"]
    assert client.get("/api/leaderboard", {"mode": "volume"}).status_code == 400


def test_a_streak_counts_days_in_a_row_up_to_today():
    user = make_user()
    feature = make_feature()
    today = timezone.now().date()
    for back in (0, 1, 2, 4):
        e = make_explanation(feature=feature, text=f"e{back}")
        vote = Vote.objects.create(user=user, explanation=e)
        Vote.objects.filter(pk=vote.pk).update(created=timezone.now() - dt.timedelta(days=back))
    assert streak(user, today=today) == {"days": 3, "played_today": True, "best": 3}
    # Tomorrow, before playing, the streak still stands.
    assert streak(user, today=today + dt.timedelta(days=1))["days"] == 3
    assert streak(user, today=today + dt.timedelta(days=2))["days"] == 0
    assert logged_in(user).get("/api/me").json()["streak"]["days"] == 3


def test_a_feature_retires_from_normal_play_after_enough_votes():
    from game.puzzles import RETIRE_AFTER_VOTES, Player, next_feature

    busy, quiet = make_feature(), make_feature()
    make_campaign(features=[busy, quiet])
    Feature.objects.filter(pk=busy.pk).update(vote_count=RETIRE_AFTER_VOTES)
    Feature.objects.filter(pk=quiet.pk).update(vote_count=RETIRE_AFTER_VOTES - 1)
    assert next_feature(Player(session_key="s1")) == quiet
    # Retired, not gone: it comes back when nothing else is left.
    Feature.objects.filter(pk=quiet.pk).update(vote_count=RETIRE_AFTER_VOTES + 3)
    assert next_feature(Player(session_key="s2")) == busy


def test_predicting_a_check_puzzle_from_its_true_explanation_measures_the_player(simulation_feature):
    feature, explanation = simulation_feature
    PlantedFeature.objects.create(feature=feature, key="token/banana", kind="token", true_explanation=explanation)
    user = make_user()
    client = logged_in(user)
    task = client.get("/api/simulate/next").json()
    marks = [[i for i, t in enumerate(s["tokens"]) if t == " banana"] for s in task["snippets"]]
    post_json(client, f"/api/simulate/{task['task_id']}", {"marks": marks})
    skill = client.get("/api/me").json()["skill"]
    assert skill["gold_predictions"] == 1 and skill["mean_correlation"] == pytest.approx(1.0)
    assert logged_in(make_user()).get("/api/me").json()["skill"]["mean_correlation"] is None
