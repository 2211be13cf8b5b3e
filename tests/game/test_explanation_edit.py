"""An author rewrites their explanation before it is scored; never after, never someone else's."""

from __future__ import annotations

import pytest

from game import jobs as game_jobs
from game.models import Explanation
from jobs.models import Job
from tests.factories import make_explanation, make_feature, make_user, set_score
from tests.game.api_helpers import logged_in, patch_json, submit

pytestmark = pytest.mark.django_db


def edit(client, explanation, text):
    return patch_json(client, f"/api/explanations/{explanation.pk}", {"text": text})


def test_a_queued_explanation_is_rewritten_and_queued_again_with_no_extra_allowance() -> None:
    author = make_user()
    client = logged_in(author)
    feature = make_feature()
    created = submit(client, feature, "tokens about fruit")
    assert created.status_code == 201
    left = client.get("/api/me").json()["explanations_left_today"]
    explanation = Explanation.objects.get(pk=created.json()["id"])
    old_job = Job.objects.get(status="ready")

    response = edit(client, explanation, "the word banana after a verb")
    assert response.status_code == 200, response.content
    assert response.json() == {"id": explanation.pk, "status": "queued", "text": "the word banana after a verb"}
    explanation.refresh_from_db()
    assert explanation.text == "the word banana after a verb" and explanation.normalized_text
    old_job.refresh_from_db()
    assert old_job.status == Job.Status.CANCELLED
    assert Job.objects.filter(status="ready").count() == 1
    assert client.get("/api/me").json()["explanations_left_today"] == left


def test_a_draft_is_rewritten_and_stays_a_draft(settings) -> None:
    settings.DAILY_SCORED_EXPLANATIONS = 0
    author = make_user()
    client = logged_in(author)
    created = submit(client, make_feature(), "tokens about fruit").json()
    assert created["status"] == "draft"
    response = edit(client, Explanation.objects.get(pk=created["id"]), "fruit names")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    assert not Job.objects.exists()


def test_a_scored_or_running_explanation_cannot_change_and_nobody_else_can_edit() -> None:
    author = make_user()
    feature = make_feature()
    scored = set_score(make_explanation(feature=feature, author=author), 0.4)
    response = edit(logged_in(author), scored, "something else")
    assert response.status_code == 409 and "scored" in response.json()["error"]

    running = make_explanation(feature=feature, author=author, status="queued")
    game_jobs.enqueue_scoring(running)
    Job.objects.filter(status="ready").update(status="running")
    assert edit(logged_in(author), running, "another text").status_code == 409
    running.refresh_from_db()
    assert running.text != "another text"

    queued = make_explanation(feature=feature, author=author, status="queued")
    assert edit(logged_in(make_user()), queued, "hijacked").status_code == 403
    assert edit(logged_in(author), queued, "").status_code == 400
    assert edit(logged_in(author), queued, scored.text).status_code == 409  # a duplicate of another one
    queued.refresh_from_db()
    assert queued.text.startswith("explanation ")
