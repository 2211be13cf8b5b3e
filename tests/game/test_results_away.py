"""A player is told, on their next visit, what became of the explanations scored while they
were away; once the page has shown them, they are not told again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from game.models import Explanation, Score
from game.services.scores import score_record
from scoring.base import ScoreResult
from tests.factories import make_explanation, make_feature, make_user

pytestmark = pytest.mark.django_db


def finish(explanation: Explanation, *, value: float | None, status: str = "ok", method: str = "m",
           version: str = "1") -> Score:
    score = Score.objects.create(explanation=explanation, method=method, version=version)
    score_record(score.pk, ScoreResult(status=status, value=value, error="" if status == "ok" else "gave up"))
    return score


def logged_in(client):
    user = make_user()
    client.force_login(user)
    return user


def test_scores_finished_while_away_are_listed_once_then_not_again(client):
    user = logged_in(client)
    feature = make_feature()
    mine = make_explanation(feature=feature, author=user, status=Explanation.Status.QUEUED)
    draft = make_explanation(feature=feature, author=user, status=Explanation.Status.DRAFT)
    others = make_explanation(feature=feature, status=Explanation.Status.QUEUED)
    finish(mine, value=0.42)
    finish(draft, value=None, status="failed")
    finish(others, value=0.9)

    got = client.get("/api/me/results").json()
    assert [(r["explanation_id"], r["status"], r["score"]) for r in got["results"]] == \
        [(draft.pk, "failed", None), (mine.pk, "scored", 0.42)]
    assert got["results"][1]["feature"] == feature.ref.as_dict() and got["results"][1]["text"] == mine.text

    seen = client.post("/api/me/results/seen", {"until": got["until"]}, content_type="application/json")
    assert seen.status_code == 200 and seen.json()["seen_until"] == got["until"]
    assert client.get("/api/me/results").json()["results"] == []

    # Rescored later (a new scorer version): told again.
    finish(mine, value=0.5, version="2")
    assert [r["explanation_id"] for r in client.get("/api/me/results").json()["results"]] == [mine.pk]


def test_the_mark_never_moves_back_nor_into_the_future(client):
    user = logged_in(client)
    explanation = make_explanation(author=user, status=Explanation.Status.QUEUED)
    finish(explanation, value=0.3)
    now = timezone.now()
    future = (now + dt.timedelta(days=3)).isoformat()
    marked = client.post("/api/me/results/seen", {"until": future}, content_type="application/json").json()
    assert dt.datetime.fromisoformat(marked["seen_until"]) <= timezone.now()
    past = (now - dt.timedelta(days=3)).isoformat()
    again = client.post("/api/me/results/seen", {"until": past}, content_type="application/json").json()
    assert again["seen_until"] == marked["seen_until"]
    assert client.get("/api/me/results").json()["results"] == []


def test_a_new_player_is_not_told_about_scores_from_before_their_last_login(client):
    user = make_user()
    explanation = make_explanation(author=user, status=Explanation.Status.QUEUED)
    finish(explanation, value=0.3)
    client.force_login(user)  # sets last_login after the score finished
    assert client.get("/api/me/results").json()["results"] == []


def test_results_need_a_login_and_a_valid_moment(client):
    assert client.get("/api/me/results").status_code == 401
    logged_in(client)
    bad = client.post("/api/me/results/seen", {"until": "yesterday"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "until", bad.json()
