"""A shared link names a feature: it is served as that player's puzzle, with the same prepared
(folded) clues as any other puzzle, and can be skipped and flagged like one."""

from __future__ import annotations

import pytest
from django.test import Client

from game.models import PuzzleView
from tests.factories import make_campaign, make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in, post_json

pytestmark = pytest.mark.django_db


def _path(feature) -> str:
    return f"/api/puzzle/feature/{feature.source.model.slug}/{feature.source.slug}/{feature.index}"


def test_a_named_feature_is_served_with_the_same_clues_as_the_puzzle_queue() -> None:
    feature = make_feature(records=3)
    make_campaign(features=[feature])
    make_explanation(feature=feature, text="fruit", score=0.5)
    from_queue = Client().get("/api/puzzle/next").json()
    named = Client().get(_path(feature))

    assert named.status_code == 200
    body = named.json()
    assert body["feature"] == from_queue["feature"]
    # Folded on the server: the factory's one window three times is one clue standing for two more.
    assert body["clues"] == from_queue["clues"] and body["clues"][0]["duplicates"] == 2
    assert body["quantiles"] == from_queue["quantiles"]
    assert [e["text"] for e in body["explanations"]] == ["fruit"]
    assert [" the", " dog", " ran", "."] not in [c["tokens"] for c in body["clues"] + body["quantiles"]]
    view = PuzzleView.objects.get(pk=body["puzzle_id"])
    assert view.feature_id == feature.pk and view.session_key and view.user_id is None


def test_a_feature_outside_every_campaign_can_still_be_opened_by_its_link() -> None:
    feature = make_feature(records=1)
    response = Client().get(_path(feature))
    assert response.status_code == 200 and response.json()["feature"]["index"] == feature.index


def test_a_named_puzzle_can_be_skipped_and_flagged_like_any_other() -> None:
    feature = make_feature(records=1)
    player = logged_in(make_user())
    puzzle_id = player.get(_path(feature)).json()["puzzle_id"]
    assert post_json(player, f"/api/puzzle/{puzzle_id}/flag", {"reason": "polysemantic"}).status_code == 200
    view = PuzzleView.objects.get(pk=puzzle_id)
    assert (view.action, view.reason) == (PuzzleView.Action.FLAG, "polysemantic")

    again = player.get(_path(feature)).json()["puzzle_id"]
    assert again != puzzle_id
    assert player.post(f"/api/puzzle/{again}/skip").status_code == 200
    assert PuzzleView.objects.get(pk=again).action == PuzzleView.Action.SKIP


@pytest.mark.parametrize("tail", ["99", "2147483648"])
def test_an_unknown_feature_is_a_404_that_names_it(tail: str) -> None:
    feature = make_feature(records=1)
    path = f"/api/puzzle/feature/{feature.source.model.slug}/{feature.source.slug}/{tail}"
    response = Client().get(path)
    assert response.status_code == 404
    assert response.json()["error"] == f"No feature {tail} in {feature.source.model.slug}/{feature.source.slug}."
    assert not PuzzleView.objects.exists()


def test_a_negative_index_is_refused_before_anything_is_recorded() -> None:
    feature = make_feature(records=1)
    response = Client().get(f"/api/puzzle/feature/{feature.source.model.slug}/{feature.source.slug}/-1")
    assert response.status_code in (400, 404) and "error" in response.json()
    assert not PuzzleView.objects.exists()
