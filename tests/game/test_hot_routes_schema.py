"""The puzzle and feature routes send bodies they build themselves (without ninja validating
them again): each body must be exactly what its documented schema describes."""

from __future__ import annotations

import pytest
from django.test import Client

from game.schemas import FeatureOut, PuzzleOut
from tests.factories import make_campaign, make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in

pytestmark = pytest.mark.django_db


def _as_documented(schema, body: dict) -> dict:
    return schema.model_validate(body).model_dump(mode="json")


def test_the_puzzle_body_is_its_schema_exactly() -> None:
    feature = make_feature(records=3)
    make_explanation(feature=feature, text="the word banana")
    make_campaign(features=[feature])
    for client in (Client(), logged_in(make_user())):
        body = client.get("/api/puzzle/next").json()
        assert body["explanations"] and body["clues"]
        # make_feature repeats one window: the copies travel folded, under `similar`.
        assert [len(c["similar"]) for c in body["clues"]] == [2]
        assert body == _as_documented(PuzzleOut, body)


def test_the_puzzle_schema_documents_the_folded_windows() -> None:
    doc = Client().get("/api/openapi.json").json()
    shown = doc["components"]["schemas"]["ClueShown"]
    assert "similar" in shown["required"]
    assert set(doc["components"]["schemas"]["SimilarClue"]["properties"]) == {"tokens", "values", "max_value", "max_position"}


def test_the_feature_body_is_its_schema_exactly() -> None:
    feature = make_feature(records=3)
    make_explanation(feature=feature, text="the word banana")
    ref = feature.ref
    body = Client().get(f"/api/feature/{ref.model}/{ref.source}/{ref.index}").json()
    assert body["activations"] and body["explanations"]
    assert body == _as_documented(FeatureOut, body)


def _queries(path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = Client()
    assert client.get(path).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", [False, True])
def test_the_feature_api_and_page_take_as_many_queries_with_six_explanations_as_with_one(page: bool) -> None:
    counts = []
    for n in (1, 6):
        feature = make_feature(records=3)
        for i in range(n):
            make_explanation(feature=feature, text=f"explanation number {i}", author=make_user())
        ref = feature.ref
        counts.append(_queries(ref.url() if page else f"/api/feature/{ref.model}/{ref.source}/{ref.index}"))
    assert counts[0] == counts[1]
