"""Lists, stars, comments and the activity feed over the JSON API and their pages; comments
reported, hidden and shown again through the moderation queue."""

from __future__ import annotations

import pytest
from django.test import Client

from moderation.models import AuditEntry, Case
from research.models import Comment, FeatureList
from tests.factories import make_explanation, make_feature, make_user
from tests.game.api_helpers import logged_in, patch_json, post_json
from tests.moderation.helpers import make_moderator, make_trusted

pytestmark = pytest.mark.django_db


def ref(feature) -> dict:
    return {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index}


def path(feature) -> str:
    return f"/api/feature/{feature.source.model.slug}/{feature.source.slug}/{feature.index}"


# --- Lists ----------------------------------------------------------------------------------------


def test_a_list_is_made_filled_annotated_and_read_back_with_best_explanations() -> None:
    owner = logged_in(make_user(username="ada"))
    fruit, other = make_feature(), make_feature()
    make_explanation(feature=fruit, text="fruit, especially bananas", score=0.6)
    made = post_json(owner, "/api/lists", {"name": "Food", "description": "things to eat", "test_text": "a ripe banana"})
    assert made.status_code == 201
    list_id = made.json()["id"]
    first = post_json(owner, f"/api/lists/{list_id}/items", {**ref(fruit), "note": "clean"})
    assert first.status_code == 201 and first.json()["explanation"] is None  # only the list read joins them
    again = post_json(owner, f"/api/lists/{list_id}/items", {**ref(fruit), "note": "very clean"})
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    post_json(owner, f"/api/lists/{list_id}/items", ref(other))

    body = owner.get(f"/api/lists/{list_id}").json()
    assert (body["name"], body["owner"], body["public"], body["items"]) == ("Food", "ada", False, 2)
    assert body["test_text"] == "a ripe banana"
    assert [(e["feature"], e["note"], e["explanation"]) for e in body["entries"]] == [
        (ref(fruit), "very clean", "fruit, especially bananas"), (ref(other), "", None)]

    item = body["entries"][1]["id"]
    assert patch_json(owner, f"/api/lists/{list_id}/items/{item}", {"note": "odd one"}).json()["note"] == "odd one"
    assert owner.delete(f"/api/lists/{list_id}/items/{item}").json() == {"deleted": True}
    assert owner.get(f"/api/lists/{list_id}").json()["items"] == 1


def test_a_private_list_does_not_exist_for_others_and_a_public_one_is_read_only_to_them() -> None:
    ada, bob = make_user(username="ada"), make_user(username="bob")
    owner, other = logged_in(ada), logged_in(bob)
    list_id = post_json(owner, "/api/lists", {"name": "Mine"}).json()["id"]
    assert other.get(f"/api/lists/{list_id}").status_code == 404
    assert Client().get(f"/lists/{list_id}").status_code == 404
    assert other.get("/api/lists?user=ada").json() == {"lists": []}
    assert [x["name"] for x in owner.get("/api/lists").json()["lists"]] == ["Mine"]

    assert patch_json(owner, f"/api/lists/{list_id}", {"public": True}).json()["public"] is True
    assert other.get(f"/api/lists/{list_id}").status_code == 200
    assert [x["name"] for x in Client().get("/api/lists?user=ada").json()["lists"]] == ["Mine"]
    refused = patch_json(other, f"/api/lists/{list_id}", {"name": "Theirs"})
    assert refused.status_code == 403 and refused.json()["error"] == "Only its owner can change a list."
    assert post_json(other, f"/api/lists/{list_id}/items", ref(make_feature())).status_code == 403
    assert other.delete(f"/api/lists/{list_id}").status_code == 403
    assert FeatureList.objects.get(pk=list_id).name == "Mine"
    page = Client().get(f"/lists/{list_id}")
    assert page.status_code == 200 and b"Mine" in page.content


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"name": ""}, 400, "name"),
    ({"name": "   "}, 400, "name"),
    ({"name": "x" * 121}, 400, "name"),
    ({"name": "ok", "description": "d" * 2001}, 400, "description"),
    ({"name": "ok", "public": "yes"}, 400, "public"),
    ({}, 400, None),
])
def test_bad_lists_are_refused_with_the_field_at_fault(body, status, field) -> None:
    response = post_json(logged_in(make_user()), "/api/lists", body)
    assert response.status_code == status
    assert response.json()["error"]
    if field:
        assert response.json().get("field") == field
    assert not FeatureList.objects.exists()


def test_two_lists_of_one_owner_cannot_share_a_name_and_strangers_cannot_make_lists() -> None:
    owner = logged_in(make_user())
    assert post_json(owner, "/api/lists", {"name": "Dup"}).status_code == 201
    clash = post_json(owner, "/api/lists", {"name": "Dup"})
    assert clash.status_code == 409 and clash.json()["field"] == "name"
    assert post_json(Client(), "/api/lists", {"name": "Nope"}).status_code == 401
    assert FeatureList.objects.count() == 1


def test_many_features_go_in_at_once_and_an_unknown_one_stops_the_whole_batch() -> None:
    owner = logged_in(make_user())
    a = make_feature()
    b = make_feature(source=a.source)
    list_id = post_json(owner, "/api/lists", {"name": "Map pick"}).json()["id"]
    url = f"/api/lists/{list_id}/items/bulk"
    base = {"model": a.source.model.slug, "source": a.source.slug}
    missing = post_json(owner, url, {**base, "indexes": [a.index, 9999]})
    assert missing.status_code == 404 and missing.json()["field"] == "indexes"
    assert owner.get(f"/api/lists/{list_id}").json()["items"] == 0
    assert post_json(owner, url, {**base, "indexes": [a.index, b.index, a.index]}).json() == {"added": 2, "items": 2}
    assert post_json(owner, url, {**base, "indexes": [b.index]}).json() == {"added": 0, "items": 2}


# --- Stars ----------------------------------------------------------------------------------------


def test_stars_count_once_per_player_and_can_be_taken_back() -> None:
    feature = make_feature()
    ada, bob = logged_in(make_user()), logged_in(make_user())
    assert post_json(ada, path(feature) + "/star").json() == {"starred": True, "stars": 1}
    assert post_json(ada, path(feature) + "/star").json() == {"starred": True, "stars": 1}
    assert post_json(bob, path(feature) + "/star").json() == {"starred": True, "stars": 2}
    assert ada.delete(path(feature) + "/star").json() == {"starred": False, "stars": 1}
    assert post_json(Client(), path(feature) + "/star").status_code == 401
    social = bob.get(path(feature) + "/social").json()
    assert (social["stars"], social["starred"]) == (1, True)
    assert Client().get(path(feature)[:-1] + "9999/social").status_code in (404,)


# --- Comments and their moderation ---------------------------------------------------------------


def test_a_comment_is_posted_escaped_on_read_and_deleted_only_by_its_author() -> None:
    feature = make_feature()
    author, other = logged_in(make_user(username="cy")), logged_in(make_user())
    made = post_json(author, path(feature) + "/comments", {"text": "  <b>fires</b> on fruit  "})
    assert made.status_code == 201
    body = made.json()
    assert (body["text"], body["author"], body["own"]) == ("<b>fires</b> on fruit", "cy", True)
    listed = other.get(path(feature) + "/comments").json()["comments"]
    assert [(c["text"], c["own"]) for c in listed] == [("<b>fires</b> on fruit", False)]
    assert other.delete(f"/api/comments/{body['id']}").status_code == 403
    assert author.delete(f"/api/comments/{body['id']}").json() == {"deleted": True}
    assert not Comment.objects.exists()


@pytest.mark.parametrize(("text", "message"), [
    ("", "empty"), ("   ", "empty"), ("x" * 2001, "limit is 2000"), ("what the sh1t", "a word we do not accept"),
])
def test_bad_comments_are_refused_with_a_reason(text: str, message: str) -> None:
    response = post_json(logged_in(make_user()), path(make_feature()) + "/comments", {"text": text})
    assert response.status_code == 400
    assert message in response.json()["error"] and response.json()["field"] == "text"
    assert not Comment.objects.exists()


def test_a_reported_comment_reaches_the_queue_and_a_moderator_hides_and_shows_it_again() -> None:
    feature = make_feature()
    author = make_user(username="dee")
    comment_id = post_json(logged_in(author), path(feature) + "/comments", {"text": "buy cheap pills"}).json()["id"]
    reporter = logged_in(make_user())
    first = post_json(reporter, f"/api/comments/{comment_id}/report", {"reason": "spam", "note": "an advert"})
    assert first.status_code == 201 and first.json() == {"comment_id": comment_id, "reported": True, "created": True,
                                                         "explanation_id": None, "username": None}
    assert post_json(reporter, f"/api/comments/{comment_id}/report", {"reason": "spam"}).status_code == 200
    own = post_json(logged_in(author), f"/api/comments/{comment_id}/report", {"reason": "spam"})
    assert own.status_code == 400 and "your own comment" in own.json()["error"]

    moderator = logged_in(make_moderator())
    cases = moderator.get("/api/moderation/reports").json()["cases"]
    case = next(c for c in cases if c["target"]["kind"] == "comment")
    assert (case["target"]["id"], case["target"]["text"], case["target"]["author"]) == (comment_id, "buy cheap pills", "dee")
    page = moderator.get("/moderation")
    assert b"buy cheap pills" in page.content and b'data-target-kind="comment"' in page.content

    hide = post_json(moderator, "/api/moderation/actions",
                     {"action": "hide", "target": {"kind": "comment", "id": comment_id}, "reason": "an advert"})
    assert hide.status_code == 201
    assert Client().get(path(feature) + "/comments").json()["comments"] == []
    assert Case.objects.get(comment_id=comment_id).state == Case.State.ACTIONED
    assert post_json(reporter, f"/api/comments/{comment_id}/report", {"reason": "spam"}).status_code == 404
    assert AuditEntry.objects.filter(action="hide", target_kind="comment", target_id=comment_id).exists()

    unhide = post_json(moderator, "/api/moderation/actions",
                       {"action": "unhide", "target": {"kind": "comment", "id": comment_id}, "reason": "a mistake"})
    assert unhide.status_code == 201
    assert [c["id"] for c in Client().get(path(feature) + "/comments").json()["comments"]] == [comment_id]
    warn = post_json(moderator, "/api/moderation/actions",
                     {"action": "warn", "target": {"kind": "comment", "id": comment_id}, "reason": "no adverts"})
    assert warn.status_code == 201 and AuditEntry.objects.get(pk=warn.json()["id"]).warned_user == author


def test_trusted_reports_hide_a_comment_until_a_moderator_decides() -> None:
    feature = make_feature()
    comment_id = post_json(logged_in(make_user()), path(feature) + "/comments", {"text": "rude words here"}).json()["id"]
    for _ in range(3):
        post_json(logged_in(make_trusted()), f"/api/comments/{comment_id}/report", {"reason": "abuse"})
    assert Comment.objects.get(pk=comment_id).hidden
    case = Case.objects.get(comment_id=comment_id)
    assert case.auto_hidden and case.state == Case.State.OPEN
    moderator = logged_in(make_moderator())
    dismissed = post_json(moderator, "/api/moderation/actions",
                          {"action": "dismiss", "target": {"kind": "comment", "id": comment_id}, "reason": "fine"})
    assert dismissed.status_code == 201
    assert not Comment.objects.get(pk=comment_id).hidden


# --- Activity and players' pages -----------------------------------------------------------------


def test_the_activity_feed_and_a_players_page_show_what_was_done_newest_first_and_escaped() -> None:
    feature = make_feature()
    eve = logged_in(make_user(username="eve"))
    post_json(eve, path(feature) + "/star")
    list_id = post_json(eve, "/api/lists", {"name": "Public <i>picks</i>", "public": True}).json()["id"]
    post_json(eve, "/api/lists", {"name": "Secret"})
    post_json(eve, path(feature) + "/comments", {"text": "<script>alert(1)</script> fires on fruit"})

    entries = Client().get("/api/activity").json()["entries"]
    assert [e["kind"] for e in entries] == ["comment", "list", "star"]
    assert entries[1]["list_id"] == list_id and all(e["user"] == "eve" for e in entries)
    assert Client().get("/api/activity?user=eve").json()["entries"] == entries
    assert Client().get("/api/activity?user=nobody").status_code == 404

    for url in ("/activity", "/u/eve"):
        html = Client().get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt; fires on fruit" in html and "<script>alert(1)" not in html
    player = Client().get("/u/eve").content.decode()
    assert "Public &lt;i&gt;picks&lt;/i&gt;" in player and "Secret" not in player
    assert "Secret" in logged_in(type(FeatureList.objects.first().owner).objects.get(username="eve")).get("/u/eve").content.decode()
    assert Client().get("/u/nobody").status_code == 404


def test_a_players_data_download_holds_their_lists_stars_and_comments_and_nobody_elses() -> None:
    feature = make_feature()
    fay, other = make_user(username="fay"), make_user()
    fay_client = logged_in(fay)
    list_id = post_json(fay_client, "/api/lists", {"name": "Keep"}).json()["id"]
    post_json(fay_client, f"/api/lists/{list_id}/items", {**ref(feature), "note": "why"})
    post_json(fay_client, path(feature) + "/star")
    post_json(fay_client, path(feature) + "/comments", {"text": "mine"})
    post_json(logged_in(other), path(feature) + "/comments", {"text": "theirs"})

    data = fay_client.get("/api/me/data").json()
    assert [(x["name"], [i["note"] for i in x["items"]]) for x in data["lists"]] == [("Keep", ["why"])]
    assert [s["feature"] for s in data["stars"]] == [str(feature.ref)]
    assert [c["text"] for c in data["comments"]] == ["mine"]
