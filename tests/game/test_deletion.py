"""Deleting a player's account and an author deleting their own explanation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Sum

from accounts.models import ApiToken, Profile
from game.models import (
    DELETED_PLAYER, DeletedExplanation, Explanation, Feature, PointsEvent, PuzzleView, Vote,
)
from game.services import points
from game.services.errors import ServiceError
from game.services.explanations import explanation_delete, explanation_submit
from moderation.models import Report
from moderation.services import Target, report_file
from game.services.votes import vote_cast
from tests.factories import make_explanation, make_feature, make_user, set_score
from tests.game.api_helpers import logged_in

pytestmark = pytest.mark.django_db


def total(user, period: str = "all") -> int:
    return points.points_total(user=user, period=period)


def board(period: str) -> dict[str, int]:
    return {e["username"]: e["points"] for e in points.leaderboard(period=period)}


def _settled_feature():
    """A feature settled on `author`'s explanation, which `voter` voted for (consensus)."""
    feature = make_feature()
    author, voter, other = make_user(), make_user(), make_user()
    best = make_explanation(feature=feature, author=author, status="queued")
    rival = make_explanation(feature=feature, author=other, score=0.3)
    vote_cast(user=voter, explanation=best)
    vote_cast(user=voter, explanation=rival)
    set_score(best, 0.8)
    assert points.feature_settle(feature) == best
    return feature, author, voter, other, best, rival


# --- Deleting an account --------------------------------------------------------------------


def test_deleting_a_player_keeps_their_explanations_anonymous_with_scores_and_votes() -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    report_file(reporter=author, target=Target("explanation", explanation=rival), reason="spam")
    PuzzleView.objects.create(user=author, feature=feature)
    Profile.objects.create(user=author)
    ApiToken.objects.create(user=author, name="t", key_hash="x" * 64, hint="lp_x")
    feature_votes = Feature.objects.get(pk=feature.pk).vote_count
    assert total(author) > 0 and author.username in board("all")

    author.delete()

    best.refresh_from_db()
    assert best.author_id is None and best.author_model == DELETED_PLAYER
    assert best.author_name == DELETED_PLAYER and best.author_kind == "human"
    assert best.score_value == 0.8 and best.vote_count == 1
    assert Feature.objects.get(pk=feature.pk).settled_explanation_id == best.pk
    assert Feature.objects.get(pk=feature.pk).vote_count == feature_votes
    assert author.username not in board("all")
    for model in (PointsEvent, PuzzleView, Profile, ApiToken):
        assert not model.objects.filter(user_id=author.pk).exists(), model
    assert not Report.objects.filter(reporter_id=author.pk).exists()
    # The voter's consensus points do not depend on the author still existing.
    assert total(voter) == points.CONSENSUS_POINTS


def test_deleting_a_voter_keeps_their_votes_counted_and_what_others_earned_from_them() -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    before = {u.pk: total(u) for u in (author, other)}

    voter.delete()

    assert Explanation.objects.get(pk=best.pk).vote_count == 1
    assert Explanation.objects.get(pk=rival.pk).vote_count == 1
    assert Feature.objects.get(pk=feature.pk).vote_count == 2
    # vote_count stays what the rows behind it say.
    for e in (best, rival):
        assert Vote.objects.filter(explanation=e, user__isnull=True).count() == 1
    assert {u.pk: total(u) for u in (author, other)} == before
    assert not PointsEvent.objects.filter(user_id=voter.pk).exists()


def test_a_settling_after_a_voter_is_deleted_pays_nobody_for_their_vote() -> None:
    feature = make_feature()
    voter = make_user()
    best = make_explanation(feature=feature, author=make_user(), status="queued")
    make_explanation(feature=feature, score=0.3)
    vote_cast(user=voter, explanation=best)
    voter.delete()
    set_score(best, 0.8)
    assert points.feature_settle(feature) == best
    assert not PointsEvent.objects.filter(reason="consensus").exists()


def test_deleting_several_players_at_once_works() -> None:
    a, b = make_user(), make_user()
    e = make_explanation(author=a)
    vote_cast(user=b, explanation=e)
    get_user_model().objects.filter(pk__in=[a.pk, b.pk]).delete()
    e.refresh_from_db()
    assert e.author_model == DELETED_PLAYER and e.vote_count == 1


# --- Deleting an explanation ----------------------------------------------------------------


def test_only_the_author_may_delete_an_explanation() -> None:
    e = make_explanation(author=make_user())
    for who in (make_user(), make_user(is_superuser=True)):
        with pytest.raises(ServiceError) as exc:
            explanation_delete(e, by=who)
        assert exc.value.status == 403
    model_written = make_explanation()
    with pytest.raises(ServiceError):
        explanation_delete(model_written, by=make_user())
    assert Explanation.objects.filter(pk=e.pk).exists()


def test_deleting_reverses_everyones_points_from_it_once_and_keeps_the_history() -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    # Points earned from the other explanation must stay.
    assert total(other) == points.VOTE_RECEIVED_POINTS
    assert total(author) == points.SETTLED_BEST_POINTS + points.VOTE_RECEIVED_POINTS
    assert total(voter) == points.CONSENSUS_POINTS
    events_before = PointsEvent.objects.count()

    assert explanation_delete(best, by=author) is True
    assert explanation_delete(best, by=author) is False  # already gone: nothing reversed twice

    assert not Explanation.objects.filter(pk=best.pk).exists()
    assert total(author) == 0 and total(voter) == 0
    assert total(other) == points.VOTE_RECEIVED_POINTS
    reversed_ = PointsEvent.objects.filter(reason=PointsEvent.Reason.REVERSED)
    assert reversed_.count() == 3  # settled best, vote received, consensus
    assert PointsEvent.objects.count() == events_before + 3  # originals kept
    assert all(r.reverses.points == -r.points for r in reversed_)


def test_a_reversal_is_dated_like_the_award_so_every_board_stays_consistent() -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    last_month = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=40)
    PointsEvent.objects.filter(user=voter).update(created=last_month)
    explanation_delete(best, by=author)
    for period in points.PERIODS:
        for user in (author, voter, other):
            assert total(user, period) >= 0, (period, user)
        events = PointsEvent.objects.all()
        start = points.period_start(period)
        if start is not None:
            events = events.filter(created__gte=start)
        assert sum(board(period).values()) == (events.aggregate(s=Sum("points"))["s"] or 0)
    assert total(voter, "all") == 0 and total(voter, "day") == 0
    assert author.username not in board("all") and voter.username not in board("all")
    assert board("all") == {other.username: points.VOTE_RECEIVED_POINTS}


def test_deleting_the_settled_explanation_resettles_the_feature_and_fixes_its_vote_count() -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    set_score(rival, 0.7)
    make_explanation(feature=feature, score=0.4)
    explanation_delete(best, by=author)
    feature.refresh_from_db()
    assert feature.settled_explanation_id == rival.pk
    assert feature.vote_count == 1 == Vote.objects.filter(explanation__feature=feature).count()
    assert total(other) == points.VOTE_RECEIVED_POINTS + points.SETTLED_BEST_POINTS


def test_the_same_text_cannot_be_submitted_again_by_its_author_after_deleting() -> None:
    feature = make_feature()
    author = make_user()
    e, _ = explanation_submit(user=author, feature=feature, text="fires on fruit names")
    explanation_delete(e, by=author)
    assert DeletedExplanation.objects.filter(feature=feature, author=author).count() == 1
    with pytest.raises(ServiceError) as exc:
        explanation_submit(user=author, feature=feature, text="Fires on fruit names.")
    assert exc.value.status == 409
    # Someone else may still write it.
    explanation_submit(user=make_user(), feature=feature, text="fires on fruit names")


def test_delete_explanation_over_the_api() -> None:
    author = make_user()
    e = make_explanation(author=author, hidden=True)
    assert logged_in(make_user()).delete(f"/api/explanations/{e.pk}").status_code == 404
    client = logged_in(author)
    response = client.delete(f"/api/explanations/{e.pk}")
    assert response.status_code == 200 and response.json() == {"explanation_id": e.pk, "deleted": True}
    assert client.delete(f"/api/explanations/{e.pk}").status_code == 404
    visible = make_explanation(author=make_user())
    assert logged_in(make_user()).delete(f"/api/explanations/{visible.pk}").status_code == 403
