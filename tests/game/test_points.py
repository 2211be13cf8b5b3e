from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from game.models import Feature, PointsEvent
from game.services import points
from game.services.votes import vote_cast, vote_retract
from tests.factories import make_explanation, make_feature, make_user, set_score
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db


def total(user) -> int:
    return points.points_total(user=user)


def test_skipping_earns_nothing() -> None:
    make_feature()
    user = make_user()
    client = logged_in(user)
    post_json(client, f"/api/puzzle/{client.get('/api/puzzle/next').json()['puzzle_id']}/skip")
    assert total(user) == 0


def test_a_vote_received_earns_the_author_one_point() -> None:
    author = make_user()
    vote_cast(user=make_user(), explanation=make_explanation(author=author))
    assert total(author) == points.VOTE_RECEIVED_POINTS


def test_points_from_votes_received_are_capped_per_day() -> None:
    author = make_user()
    explanation = make_explanation(author=author)
    for _ in range(points.VOTE_POINTS_DAILY_CAP + 3):
        vote_cast(user=make_user(), explanation=explanation)
    assert total(author) == points.VOTE_POINTS_DAILY_CAP


def test_a_vote_taken_back_takes_its_point_back() -> None:
    author, voter = make_user(), make_user()
    explanation = make_explanation(author=author)
    vote_cast(user=voter, explanation=explanation)
    vote_retract(user=voter, explanation=explanation)
    assert total(author) == 0


def test_voting_alone_earns_the_voter_nothing() -> None:
    voter = make_user()
    vote_cast(user=voter, explanation=make_explanation(score=0.1))
    assert total(voter) == 0


def test_a_clear_score_lead_settles_the_feature_and_pays_author_and_earlier_voters() -> None:
    feature = make_feature()
    author, voter = make_user(), make_user()
    best = make_explanation(feature=feature, author=author, status="queued")
    make_explanation(feature=feature, score=0.3)
    vote_cast(user=voter, explanation=best)
    set_score(best, 0.8)
    assert points.feature_settle(feature) == best
    assert Feature.objects.get(pk=feature.pk).settled_explanation_id == best.pk
    assert total(author) == points.SETTLED_BEST_POINTS + points.VOTE_RECEIVED_POINTS
    assert total(voter) == points.CONSENSUS_POINTS


def test_settling_twice_pays_once() -> None:
    feature = make_feature()
    author = make_user()
    make_explanation(feature=feature, author=author, score=0.8)
    make_explanation(feature=feature, score=0.2)
    points.feature_settle(feature)
    Feature.objects.filter(pk=feature.pk).update(settled_explanation=None)
    points.feature_settle(feature)
    assert total(author) == points.SETTLED_BEST_POINTS


def test_a_close_race_without_enough_votes_does_not_settle() -> None:
    feature = make_feature()
    make_explanation(feature=feature, score=0.6)
    make_explanation(feature=feature, score=0.55)
    assert points.feature_settle(feature) is None


def test_votes_agreeing_with_the_best_score_settle_the_feature() -> None:
    feature = make_feature()
    best = make_explanation(feature=feature, score=0.6)
    make_explanation(feature=feature, score=0.55)
    voters = [make_user() for _ in range(points.SETTLE_MIN_VOTES)]
    for voter in voters:
        vote_cast(user=voter, explanation=best)
    assert Feature.objects.get(pk=feature.pk).settled_explanation_id == best.pk
    assert all(total(v) == points.CONSENSUS_POINTS for v in voters)


def test_a_score_that_beats_the_previous_best_earns_new_best_points() -> None:
    feature = make_feature()
    author = make_user()
    make_explanation(feature=feature, score=0.5)
    mine = make_explanation(feature=feature, author=author, score=0.6)
    assert points.award_new_best(explanation=mine, verdict=points.judge_new_best(mine, points.best_rival(mine)))
    assert total(author) == points.NEW_BEST_POINTS


def test_a_score_that_only_ties_the_best_earns_nothing() -> None:
    feature = make_feature()
    author = make_user()
    make_explanation(feature=feature, score=0.5)
    mine = make_explanation(feature=feature, author=author, score=0.51)
    assert not points.award_new_best(explanation=mine, verdict=points.judge_new_best(mine, points.best_rival(mine)))
    assert total(author) == 0


def test_the_leaderboard_ranks_players_by_points_in_the_period() -> None:
    alice, bob, carol = make_user(username="alice"), make_user(username="bob"), make_user(username="carol")
    PointsEvent.objects.create(user=alice, points=5, reason="consensus")
    PointsEvent.objects.create(user=bob, points=9, reason="consensus")
    old = PointsEvent.objects.create(user=carol, points=50, reason="consensus")
    PointsEvent.objects.filter(pk=old.pk).update(created=dt.datetime(2000, 1, 3, tzinfo=dt.timezone.utc))
    day = Client().get("/api/leaderboard?period=day").json()
    assert day == {"period": "day", "mode": "all", "entries": [
        {"rank": 1, "username": "bob", "points": 9}, {"rank": 2, "username": "alice", "points": 5},
    ]}
    all_time = Client().get("/api/leaderboard?period=all").json()["entries"]
    assert [e["username"] for e in all_time] == ["carol", "bob", "alice"]


def test_equal_points_share_a_rank() -> None:
    for name in ["ann", "ben", "cat"]:
        PointsEvent.objects.create(user=make_user(username=name), points=3 if name != "cat" else 1, reason="consensus")
    entries = Client().get("/api/leaderboard?period=week").json()["entries"]
    assert [e["rank"] for e in entries] == [1, 1, 3]


def test_an_unknown_period_answers_400() -> None:
    response = Client().get("/api/leaderboard?period=year")
    assert response.status_code == 400
    assert response.json()["field"] == "period"


def test_me_shows_the_players_points() -> None:
    user = make_user()
    PointsEvent.objects.create(user=user, points=7, reason="consensus")
    assert logged_in(user).get("/api/me").json()["points"] == 7
