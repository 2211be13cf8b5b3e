from __future__ import annotations

import pytest
from django.test import Client

from game.models import Explanation, Score
from jobs.models import Job
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in, post_json, submit

pytestmark = pytest.mark.django_db


def test_an_accepted_explanation_is_saved_and_queued_for_scoring() -> None:
    user, feature = make_user(), make_feature()
    response = submit(logged_in(user), feature, "  the word  banana ")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "queued"
    explanation = Explanation.objects.get(pk=body["id"])
    assert explanation.text == "the word banana"
    assert Score.objects.filter(explanation=explanation, status="pending").exists()
    assert Job.objects.filter(name="score_explanation").count() == 1


def test_submitting_needs_a_login() -> None:
    response = submit(Client(), make_feature(), "banana")
    assert response.status_code == 401
    assert "error" in response.json()


@pytest.mark.parametrize("text", ["", "   ", "\u200b"])
def test_an_empty_explanation_is_refused(text: str) -> None:
    response = submit(logged_in(make_user()), make_feature(), text)
    assert response.status_code == 400
    assert response.json()["field"] == "text"


def test_an_explanation_over_the_length_limit_is_refused(settings) -> None:
    response = submit(logged_in(make_user()), make_feature(), "x" * (settings.EXPLANATION_MAX_CHARS + 1))
    assert response.status_code == 400
    assert "limit" in response.json()["error"]


def test_an_explanation_with_profanity_is_refused() -> None:
    response = submit(logged_in(make_user()), make_feature(), "shit about fruit")
    assert response.status_code == 400
    assert response.json()["field"] == "text"
    assert not Explanation.objects.exists()


def test_an_exact_duplicate_is_refused_with_the_existing_id() -> None:
    feature = make_feature()
    existing = make_explanation(feature=feature, text="bananas")
    response = submit(logged_in(make_user()), feature, "bananas")
    assert response.status_code == 409
    assert response.json()["existing_id"] == existing.pk
    assert response.json()["near_duplicate"] is False


def test_a_near_duplicate_points_at_the_existing_explanation() -> None:
    feature = make_feature()
    existing = make_explanation(feature=feature, text="banana")
    response = submit(logged_in(make_user()), feature, "Bananas.")
    assert response.status_code == 409
    assert response.json()["near_duplicate"] is True
    assert response.json()["existing_id"] == existing.pk


def test_the_same_text_on_another_feature_is_accepted() -> None:
    make_explanation(text="banana")
    response = submit(logged_in(make_user()), make_feature(), "banana")
    assert response.status_code == 201


def test_over_the_daily_limit_an_explanation_is_kept_as_a_draft(settings) -> None:
    settings.DAILY_SCORED_EXPLANATIONS = 2
    client, feature = logged_in(make_user()), make_feature()
    statuses = [submit(client, feature, f"idea number {w}").json()["status"] for w in ["one", "two", "three"]]
    assert statuses == ["queued", "queued", "draft"]
    draft = Explanation.objects.get(text="idea number three")
    assert not draft.scores.exists()


def test_an_unknown_feature_answers_404() -> None:
    feature = make_feature()
    response = post_json(
        logged_in(make_user()), "/api/explanations",
        {"model": feature.source.model.slug, "source": feature.source.slug, "index": 99999, "text": "x"},
    )
    assert response.status_code == 404


def test_a_malformed_json_body_answers_400() -> None:
    client = logged_in(make_user())
    response = client.post("/api/explanations", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_a_missing_field_is_named() -> None:
    response = post_json(logged_in(make_user()), "/api/explanations", {"text": "banana"})
    assert response.status_code == 400
    assert response.json()["field"] == "model"


def test_explanation_detail_shows_status_score_and_votes() -> None:
    explanation = make_explanation(text="fruit", score=0.42, votes=3)
    body = Client().get(f"/api/explanations/{explanation.pk}").json()
    assert body["id"] == explanation.pk
    assert body["text"] == "fruit"
    assert body["score"] == 0.42
    assert body["votes"] == 3
    assert {"status", "author", "score_method", "score_details", "created"} <= body.keys()


def test_a_hidden_explanation_answers_404() -> None:
    explanation = make_explanation(hidden=True)
    assert Client().get(f"/api/explanations/{explanation.pk}").status_code == 404
