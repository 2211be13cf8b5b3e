"""Races on PostgreSQL: threads, each with its own connection, hitting the services at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from game.models import Explanation, Feature
from game.services.explanations import explanation_submit
from game.services.votes import vote_cast
from tests.factories import make_explanation, make_feature, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_parallel(fn, args: list) -> list:
    """One thread per argument, all released at once by a barrier."""
    barrier = threading.Barrier(len(args))

    def run(arg):
        try:
            barrier.wait(timeout=30)
            return fn(arg)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(args)) as pool:
        return list(pool.map(run, args))


def test_parallel_submissions_never_exceed_the_daily_limit(settings) -> None:
    settings.DAILY_SCORED_EXPLANATIONS = 10
    user, feature = make_user(), make_feature()
    results = in_parallel(
        lambda i: explanation_submit(user=user, feature=feature, text=f"idea {i} apple")[1], list(range(20))
    )
    assert sorted(results).count("queued") == 10
    assert Explanation.objects.filter(status="queued").count() == 10
    assert Explanation.objects.filter(status="draft").count() == 10


def test_fifty_parallel_votes_are_all_counted() -> None:
    explanation = make_explanation(author=make_user())
    voters = [make_user() for _ in range(50)]
    in_parallel(lambda voter: vote_cast(user=voter, explanation=explanation), voters)
    explanation.refresh_from_db()
    assert explanation.vote_count == 50
    assert Feature.objects.get(pk=explanation.feature_id).vote_count == 50
