from __future__ import annotations

import datetime as dt

import pytest

from game.models import DailyCounter, Explanation
from game.services.explanations import explanation_submit, promote_drafts
from game.services.votes import vote_cast
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def limit_one(settings):
    settings.DAILY_SCORED_EXPLANATIONS = 1


def test_drafts_are_queued_when_a_new_day_brings_allowance(limit_one) -> None:
    user, feature = make_user(), make_feature()
    explanation_submit(user=user, feature=feature, text="first idea")
    draft, status = explanation_submit(user=user, feature=feature, text="second idea")
    assert status == "draft"
    # Yesterday's counter: move it back a day, as if the submissions were yesterday.
    DailyCounter.objects.filter(user=user).update(day=dt.date.today() - dt.timedelta(days=1))
    assert promote_drafts(user) == 1
    draft.refresh_from_db()
    assert draft.status == Explanation.Status.QUEUED
    assert draft.scores.count() == 1


def test_promoting_drafts_respects_todays_limit(limit_one) -> None:
    user, feature = make_user(), make_feature()
    explanation_submit(user=user, feature=feature, text="first idea")
    explanation_submit(user=user, feature=feature, text="second idea")
    assert promote_drafts(user) == 0
    assert Explanation.objects.filter(status="draft").count() == 1


def test_a_draft_with_two_votes_is_queued_whatever_its_authors_allowance(limit_one) -> None:
    author, feature = make_user(), make_feature()
    explanation_submit(user=author, feature=feature, text="first idea")
    draft, _ = explanation_submit(user=author, feature=feature, text="second idea")
    vote_cast(user=make_user(), explanation=draft)
    draft.refresh_from_db()
    assert draft.status == "draft"
    vote_cast(user=make_user(), explanation=draft)
    draft.refresh_from_db()
    assert draft.status == "queued"


def test_me_reports_explanations_left_today(limit_one) -> None:
    user = make_user()
    client = logged_in(user)
    assert client.get("/api/me").json()["explanations_left_today"] == 1
    explanation_submit(user=user, feature=make_feature(), text="an idea")
    assert client.get("/api/me").json()["explanations_left_today"] == 0


def yesterdays_draft(user, feature):
    explanation_submit(user=user, feature=feature, text="first idea")
    draft, status = explanation_submit(user=user, feature=feature, text="second idea")
    assert status == "draft"
    DailyCounter.objects.filter(user=user).update(day=dt.date.today() - dt.timedelta(days=1))
    return draft


def test_reads_leave_drafts_alone(limit_one) -> None:
    user = make_user()
    draft = yesterdays_draft(user, make_feature())
    client = logged_in(user)
    assert client.get("/api/me").json()["drafts"] == 1
    assert client.get("/api/puzzle/next").status_code == 200
    draft.refresh_from_db()
    assert draft.status == Explanation.Status.DRAFT


def test_the_first_submission_of_the_day_queues_drafts_before_itself(limit_one) -> None:
    user, feature = make_user(), make_feature()
    draft = yesterdays_draft(user, feature)
    _, status = explanation_submit(user=user, feature=feature, text="third idea")
    draft.refresh_from_db()
    assert (draft.status, status) == (Explanation.Status.QUEUED, "draft")


def test_the_first_vote_of_the_day_queues_the_voters_drafts(limit_one) -> None:
    user = make_user()
    draft = yesterdays_draft(user, make_feature())
    vote_cast(user=user, explanation=make_explanation(feature=make_feature(), text="someone else's"))
    draft.refresh_from_db()
    assert draft.status == Explanation.Status.QUEUED
