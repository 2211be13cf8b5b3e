"""The game's HTML pages and the endpoint that keeps a logged-out player's explanation."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from game.pending import PENDING_KEY
from tests.factories import make_explanation, make_feature, make_user

pytestmark = pytest.mark.django_db


def _ref(feature) -> dict:
    return {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index}


def _config(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="play-config" type="application/json">') + len('<script id="play-config" type="application/json">')
    return json.loads(html[start:html.index("</script>", start)])


def test_the_play_page_renders_for_an_anonymous_player_with_the_site_name(client, settings):
    settings.SITE_NAME = "Neuron Quest"
    response = client.get("/play")
    assert response.status_code == 200
    assert b"Neuron Quest" in response.content
    assert _config(response)["authenticated"] is False
    assert "csrftoken" in response.cookies


def test_the_play_page_resumes_the_feature_named_in_the_query(client):
    config = _config(client.get("/play?feature=demo/0-res-sae/7"))
    assert config["resume"] == {"model": "demo", "source": "0-res-sae", "index": 7}


def test_the_play_page_ignores_a_malformed_feature_reference(client):
    assert _config(client.get("/play?feature=../../etc"))["resume"] is None


def test_the_play_page_tells_a_player_who_never_voted_to_confirm_the_first_vote(client):
    client.force_login(make_user())
    assert _config(client.get("/play"))["hasVoted"] is False


def test_the_play_page_escapes_the_pending_result_inside_its_json(client):
    session = client.session
    session["pending_result"] = {"error": "</script><script>alert(1)</script>", "status": 400}
    session.save()
    response = client.get("/play")
    assert b"</script><script>alert(1)" not in response.content
    assert _config(response)["pendingResult"]["error"] == "</script><script>alert(1)</script>"


def test_a_pending_explanation_is_kept_in_the_session(client):
    feature = make_feature()
    response = client.post(reverse("play-pending"), {**_ref(feature), "text": "  bananas  "}, content_type="application/json")
    assert response.status_code == 200
    assert client.session[PENDING_KEY] == {**_ref(feature), "text": "bananas"}


@pytest.mark.parametrize(
    ("text", "message"),
    [("   ", "empty"), ("x" * 501, "limit is 500"), (42, "must be a string")],
)
def test_a_pending_explanation_with_bad_text_is_refused_with_a_message(client, text, message):
    feature = make_feature()
    response = client.post(reverse("play-pending"), {**_ref(feature), "text": text}, content_type="application/json")
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert response.json()["field"] == "text"


def test_a_pending_explanation_for_an_unknown_feature_is_a_404(client):
    response = client.post(reverse("play-pending"), {"model": "nope", "source": "x", "index": 1, "text": "a"},
                           content_type="application/json")
    assert response.status_code == 404
    assert PENDING_KEY not in client.session


def test_a_pending_explanation_that_is_not_json_is_a_400(client):
    response = client.post(reverse("play-pending"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_the_pending_endpoint_needs_the_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    feature = make_feature()
    response = strict.post(reverse("play-pending"), {**_ref(feature), "text": "a"}, content_type="application/json")
    assert response.status_code == 403


def test_the_leaderboard_page_renders_the_requested_tab(client):
    response = client.get("/leaderboard?period=week")
    assert response.status_code == 200
    assert b'data-period="week"' in response.content


def test_the_help_page_renders_the_points_rules_without_raw_html(client, tmp_path, monkeypatch):
    from game import pages

    points = tmp_path / "POINTS.md"
    points.write_text("# Points\n\n- **10** for a new best\n\n<script>alert(1)</script>\n", encoding="utf-8")
    monkeypatch.setattr(pages, "POINTS_FILE", points)
    response = client.get("/help")
    assert response.status_code == 200
    assert b"<strong>10</strong> for a new best" in response.content
    assert b"<script>alert(1)</script>" not in response.content


def test_the_feature_route_still_matches_after_the_game_routes(client):
    feature = make_feature()
    response = client.get(f"/{feature.source.model.slug}/{feature.source.slug}/{feature.index}")
    assert response.resolver_match.url_name == "feature"


def test_the_front_page_tells_a_stranger_what_the_game_is_for_and_how_far_it_got(client) -> None:
    from game.models import Explanation, Feature, PointsEvent
    from tests.factories import make_campaign, make_explanation, make_feature, make_user

    features = [make_feature() for _ in range(3)]
    make_campaign(features=features)
    writer = make_user(username="ada")
    settled = make_explanation(feature=features[0], author=writer, score=0.7)
    make_explanation(feature=features[1], author=writer, status=Explanation.Status.QUEUED)
    make_explanation(feature=features[2])  # a baseline: not a player's
    Feature.objects.filter(pk=features[0].pk).update(settled_explanation=settled)
    PointsEvent.objects.create(user=writer, points=12, reason=PointsEvent.Reason.SETTLED_BEST, explanation=settled)

    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Explain what a language model's parts respond to · Latentpedia</title>" in html
    assert 'href="/play"' in html and "CC BY 4.0" in html
    progress = response.context["progress"]
    assert progress == {"features": 3, "features_explained": 1, "written_this_week": 2, "scored_this_week": 1}
    assert response.context["top_players"][0]["username"] == "ada"
    assert "ada" in html


def test_an_old_puzzle_link_to_the_front_page_still_opens_the_puzzle(client) -> None:
    response = client.get("/?feature=m/s/3")
    assert response.status_code == 302 and response["Location"] == "/play?feature=m%2Fs%2F3"


def test_page_titles_name_the_site_once(client) -> None:
    for path in ["/", "/play", "/help", "/leaderboard"]:
        title = client.get(path).content.decode().split("<title>")[1].split("</title>")[0]
        assert title.count("Latentpedia") == 1, (path, title)
        assert title.endswith(" · Latentpedia"), (path, title)
