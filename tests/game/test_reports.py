from __future__ import annotations

import pytest
from django.test import Client

from game.models import ExplanationReport
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db


def test_a_player_reports_an_explanation_once() -> None:
    explanation = make_explanation(feature=make_feature(), text="buy cheap pills")
    client = logged_in(make_user(username="mod-helper"))
    first = post_json(client, f"/api/explanations/{explanation.pk}/report", {"reason": "spam"})
    again = post_json(client, f"/api/explanations/{explanation.pk}/report", {"reason": "spam"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert ExplanationReport.objects.count() == 1


def test_three_reports_hide_it_until_a_moderator_looks() -> None:
    explanation = make_explanation(feature=make_feature(), text="rude words")
    for i in range(3):
        post_json(logged_in(make_user(username=f"p{i}")), f"/api/explanations/{explanation.pk}/report", {"reason": "abuse"})
    explanation.refresh_from_db()
    assert explanation.hidden is True


def test_an_unknown_reason_is_refused_with_the_field() -> None:
    explanation = make_explanation(feature=make_feature())
    response = post_json(logged_in(make_user()), f"/api/explanations/{explanation.pk}/report", {"reason": "boring"})
    assert response.status_code == 400 and response.json()["field"] == "reason"


def test_reporting_needs_a_login() -> None:
    explanation = make_explanation(feature=make_feature())
    assert post_json(Client(), f"/api/explanations/{explanation.pk}/report", {"reason": "spam"}).status_code == 401
