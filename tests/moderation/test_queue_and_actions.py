"""The moderation queue and its actions over the API and the page: who may use them, hiding
and unhiding with points and settling, cases reopening, trust-weighted reports, the audit log."""

from __future__ import annotations

import gzip
import json

import pytest
from django.test import Client

from game.models import Explanation, Feature, PointsEvent
from game.services import points
from game.services.votes import vote_cast
from moderation.models import AuditEntry, Case, Report
from tests.factories import make_campaign, make_explanation, make_feature, make_user, set_score
from tests.game.api_helpers import logged_in, post_json
from tests.moderation.helpers import board, boards_consistent, make_moderator, make_trusted, total

pytestmark = pytest.mark.django_db

API_ROUTES = [
    ("get", "/api/moderation/reports", None),
    ("get", "/api/moderation/flags", None),
    ("get", "/api/moderation/actions", None),
    ("post", "/api/moderation/actions", {"action": "hide", "target": {"kind": "explanation", "id": 1}, "reason": "x"}),
]


def act(client: Client, action: str, kind: str, target_id: int, reason: str = "breaks the rules"):
    return post_json(client, "/api/moderation/actions",
                     {"action": action, "target": {"kind": kind, "id": target_id}, "reason": reason})


def report(user, explanation, reason: str = "abuse"):
    return post_json(logged_in(user), f"/api/explanations/{explanation.pk}/report", {"reason": reason})


def _settled_feature():
    """A feature in play, settled on `author`'s explanation that `voter` voted for."""
    feature = make_feature()
    make_campaign(features=[feature])
    author, voter, other = make_user(), make_user(), make_user()
    best = make_explanation(feature=feature, author=author, status="queued", text="the word cat after a verb")
    rival = make_explanation(feature=feature, author=other, score=0.3)
    vote_cast(user=voter, explanation=best)
    vote_cast(user=voter, explanation=rival)
    set_score(best, 0.8)
    assert points.feature_settle(feature) == best
    return feature, author, voter, other, best, rival


# --- Who may moderate ---------------------------------------------------------------------------


@pytest.mark.parametrize("method,path,body", API_ROUTES)
def test_players_get_403_and_strangers_401_on_every_moderation_api_route(method, path, body) -> None:
    player = logged_in(make_user())
    call = (lambda c: post_json(c, path, body)) if method == "post" else (lambda c: c.get(path))
    response = call(player)
    assert response.status_code == 403 and "moderator" in response.json()["error"]
    assert call(Client()).status_code in (401, 403)


def test_players_get_403_on_the_moderation_pages_and_strangers_go_to_log_in() -> None:
    explanation = make_explanation()
    player = logged_in(make_user())
    assert player.get("/moderation").status_code == 403
    form = {"action": "hide", "target_kind": "explanation", "target_id": explanation.pk, "reason": "x"}
    assert player.post("/moderation/act", form).status_code == 403
    assert Client().get("/moderation").status_code == 302
    explanation.refresh_from_db()
    assert explanation.hidden is False
    assert not AuditEntry.objects.exists()


def test_a_moderator_is_a_group_member_not_a_superuser(moderator) -> None:
    assert not moderator.is_superuser and not moderator.is_staff
    client = logged_in(moderator)
    assert client.get("/moderation").status_code == 200
    assert client.get("/api/moderation/reports").status_code == 200


# --- Hiding and unhiding ----------------------------------------------------------------------------


def _export_texts(client: Client, feature: Feature) -> set[str]:
    source = feature.source
    response = client.get(f"/api/export/{source.model.slug}/{source.slug}.jsonl.gz")
    assert response.status_code == 200
    rows = [json.loads(line) for line in gzip.decompress(b"".join(response.streaming_content)).splitlines()]
    return {e["text"] for row in rows for e in row["explanations"]}


def _puzzle_texts(feature: Feature) -> set[str]:
    client = logged_in(make_user())
    body = client.get("/api/puzzle/next").json()
    assert body["feature"]["index"] == feature.index
    return {e["text"] for e in body["explanations"]}


def test_hiding_takes_it_out_of_everything_and_unhiding_restores_all_of_it(moderator) -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    before = {u.username: total(u) for u in (author, voter, other)}
    assert before[author.username] == points.SETTLED_BEST_POINTS + points.VOTE_RECEIVED_POINTS
    assert author.username in board() and best.text in _export_texts(Client(), feature)
    assert best.text in _puzzle_texts(feature)
    client = logged_in(moderator)

    response = act(client, "hide", "explanation", best.pk, "insults another player")
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["action"] == "hide" and entry["moderator"] == moderator.username
    assert entry["reason"] == "insults another player" and entry["target"] == {
        "kind": "explanation", "id": best.pk, "label": best.text}

    best.refresh_from_db()
    assert best.hidden and best.moderator_hidden
    assert total(author) == 0 and total(voter) == 0  # author's awards and the voter's consensus
    assert total(other) == before[other.username]  # nothing tied to another explanation moves
    assert author.username not in board() and voter.username not in board()
    assert Feature.objects.get(pk=feature.pk).settled_explanation_id is None  # re-settled: rival is too weak
    assert best.text not in _export_texts(Client(), feature)
    assert best.text not in _puzzle_texts(feature)
    assert Client().get(f"/api/explanations/{best.pk}").status_code == 404
    assert boards_consistent()

    assert act(client, "hide", "explanation", best.pk).status_code == 201  # twice: nothing more is taken
    assert total(author) == 0

    assert act(client, "unhide", "explanation", best.pk, "it was a quote").status_code == 201
    assert {u.username: total(u) for u in (author, voter, other)} == before
    assert Feature.objects.get(pk=feature.pk).settled_explanation_id == best.pk
    assert best.text in _export_texts(Client(), feature) and best.text in _puzzle_texts(feature)
    assert board()[author.username] == before[author.username]
    # The history stays: the original awards, each taken back once and given back once.
    settled = PointsEvent.objects.get(reason="settled_best", explanation=best)
    assert sorted(settled.compensations.values_list("points", flat=True)) == [-25, 25]
    assert boards_consistent()
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["unhide", "hide", "hide"]


def test_unhiding_what_is_not_hidden_or_acting_on_nothing_is_refused(moderator) -> None:
    explanation = make_explanation()
    client = logged_in(moderator)
    assert act(client, "unhide", "explanation", explanation.pk).status_code == 409
    missing = act(client, "hide", "explanation", 999999)
    assert missing.status_code == 404 and missing.json()["field"] == "target"
    wrong = act(client, "ban", "explanation", explanation.pk)
    assert wrong.status_code == 400 and wrong.json()["field"] == "action"
    no_reason = act(client, "hide", "explanation", explanation.pk, reason="  ")
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    unknown = post_json(client, "/api/moderation/actions", {"action": "delete", "target": {"kind": "explanation", "id": 1},
                                                           "reason": "x"})
    assert unknown.status_code == 400 and unknown.json()["field"].startswith("action")
    explanation.refresh_from_db()
    assert not explanation.hidden and not AuditEntry.objects.exists()


# --- Reports, cases and trust -------------------------------------------------------------------------


def test_reports_are_grouped_by_target_and_a_new_report_reopens_a_closed_case(moderator) -> None:
    explanation = make_explanation(author=make_user(), text="buy pills here")
    first, second, third = make_user(), make_user(), make_user()
    assert report(first, explanation, "spam").status_code == 201
    assert report(second, explanation, "abuse").status_code == 201
    client = logged_in(moderator)
    cases = client.get("/api/moderation/reports?state=open").json()["cases"]
    assert len(cases) == 1
    assert cases[0]["target"]["kind"] == "explanation" and cases[0]["target"]["id"] == explanation.pk
    assert [(r["by"], r["reason"]) for r in cases[0]["reports"]] == [(first.username, "spam"), (second.username, "abuse")]

    assert act(client, "dismiss", "explanation", explanation.pk, "not spam").status_code == 201
    assert client.get("/api/moderation/reports?state=open").json()["cases"] == []
    dismissed = client.get("/api/moderation/reports?state=dismissed").json()["cases"]
    assert [r["outcome"] for r in dismissed[0]["reports"]] == ["rejected", "rejected"]

    assert report(first, explanation, "spam").status_code == 200  # the same reporter again: no reopening
    assert Case.objects.get().state == "dismissed"
    assert report(third, explanation, "spam").status_code == 201  # someone new reopens it
    reopened = client.get("/api/moderation/reports?state=open").json()["cases"]
    assert len(reopened) == 1 and [r["outcome"] for r in reopened[0]["reports"]] == ["rejected", "rejected", "pending"]


def test_reports_on_a_player_form_a_case_too(moderator) -> None:
    troll = make_user(username="troll")
    response = post_json(logged_in(make_user()), "/api/users/troll/report", {"reason": "abuse", "note": "rude"})
    assert response.status_code == 201
    case = logged_in(moderator).get("/api/moderation/reports").json()["cases"][0]
    assert case["target"] == {**case["target"], "kind": "user", "id": troll.pk, "username": "troll"}
    assert post_json(logged_in(troll), "/api/users/troll/report", {"reason": "abuse"}).status_code == 400
    assert post_json(logged_in(troll), "/api/users/nobody/report", {"reason": "abuse"}).status_code == 404


def test_three_reports_from_new_accounts_do_not_hide() -> None:
    explanation = make_explanation(author=make_user())
    for _ in range(3):
        assert report(make_user(), explanation).status_code == 201
    explanation.refresh_from_db()
    assert explanation.hidden is False
    assert Case.objects.get().state == "open"  # still waiting for a moderator


def test_trusted_reporters_reports_do_hide_until_a_moderator_decides(moderator) -> None:
    feature, author, voter, other, best, rival = _settled_feature()
    assert report(make_trusted(), best).status_code == 201
    best.refresh_from_db()
    assert best.hidden is False  # one trusted report is not enough
    assert report(make_trusted(), best).status_code == 201
    best.refresh_from_db()
    assert best.hidden and best.moderator_hidden
    assert total(author) == 0  # hidden means its points are taken back, as for a moderator's hide
    case = Case.objects.get()
    assert case.state == "open" and case.auto_hidden
    assert AuditEntry.objects.get().action == "auto_hide" and AuditEntry.objects.get().moderator is None

    # A moderator has the last word: dismissing brings it back with its points.
    assert act(logged_in(moderator), "dismiss", "explanation", best.pk, "fair explanation").status_code == 201
    best.refresh_from_db()
    assert not best.hidden
    assert total(author) == points.SETTLED_BEST_POINTS + points.VOTE_RECEIVED_POINTS
    assert boards_consistent()


def test_upheld_reports_raise_a_reporters_weight_and_rejected_ones_lower_it(moderator) -> None:
    from moderation.trust import reporter_standing

    reporter = make_trusted()
    start = reporter_standing(reporter).weight
    client = logged_in(moderator)
    for _ in range(3):
        e = make_explanation(author=make_user())
        report(reporter, e)
        act(client, "dismiss", "explanation", e.pk, "fine")
    assert reporter_standing(reporter).weight < start
    for _ in range(6):
        e = make_explanation(author=make_user())
        report(reporter, e)
        act(client, "hide", "explanation", e.pk, "spam")
    assert reporter_standing(reporter).weight > start
    assert Report.objects.filter(reporter=reporter, outcome="upheld").count() == 6


def test_a_player_retracts_a_report_and_a_report_only_hidden_by_weight_comes_back() -> None:
    explanation = make_explanation(author=make_user())
    one, two = make_trusted(), make_trusted()
    report(one, explanation)
    report(two, explanation)
    explanation.refresh_from_db()
    assert explanation.hidden
    response = logged_in(two).delete(f"/api/explanations/{explanation.pk}/report")
    assert response.status_code == 200 and response.json() == {"retracted": True}
    explanation.refresh_from_db()
    assert not explanation.hidden
    assert logged_in(two).delete(f"/api/explanations/{explanation.pk}/report").json() == {"retracted": False}
    assert Report.objects.count() == 1


# --- Warnings and the page ----------------------------------------------------------------------


def test_a_warned_player_sees_the_warning_until_they_acknowledge_it(moderator) -> None:
    author = make_user()
    explanation = make_explanation(author=author, text="a rude joke")
    assert act(logged_in(moderator), "warn", "explanation", explanation.pk, "Keep it civil, please.").status_code == 201
    client = logged_in(author)
    page = client.get("/help").content.decode()
    assert "A moderator warned you" in page and "Keep it civil, please." in page
    entry = AuditEntry.objects.get(action="warn")
    assert entry.warned_user == author
    client.post(f"/moderation/warnings/{entry.pk}/seen", {"next": "/help"})
    assert "A moderator warned you" not in client.get("/help").content.decode()


def test_the_page_lists_cases_flags_and_the_audit_log_escaped(moderator) -> None:
    nasty = make_explanation(author=make_user(), text="<script>alert('x')</script> fires on cats")
    report(make_user(), nasty, "spam")
    client = logged_in(moderator)
    page = client.get("/moderation").content.decode()
    assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page
    response = client.post("/moderation/act", {"action": "hide", "target_kind": "explanation", "target_id": nasty.pk,
                                               "reason": "spam <b>link</b>", "next": "/moderation"})
    assert response.status_code == 302
    page = client.get("/moderation?state=actioned").content.decode()
    assert "spam &lt;b&gt;link&lt;/b&gt;" in page and moderator.username in page
    nasty.refresh_from_db()
    assert nasty.hidden
    # A form without a reason changes nothing and says why.
    other = make_explanation(author=make_user())
    response = client.post("/moderation/act", {"action": "hide", "target_kind": "explanation", "target_id": other.pk,
                                               "reason": ""}, follow=True)
    assert "Say why" in response.content.decode()
    other.refresh_from_db()
    assert not other.hidden


def test_a_moderator_blocks_a_word_from_the_page_and_it_is_refused_at_once(moderator) -> None:
    from tests.game.api_helpers import submit

    client = logged_in(moderator)
    response = client.post("/moderation/words", {"action": "add", "word": "Zorblat", "reason": "slur in a game",
                                                 "next": "/moderation"}, follow=True)
    assert "Done: added a blocked word (zorblat)" in response.content.decode()
    assert AuditEntry.objects.get().action == "word_add"
    from jobs.models import Job

    assert Job.objects.filter(name="recheck_explicit", status="ready").count() == 1  # clues are rechecked
    refused = submit(logged_in(make_user()), make_feature(), "fires on zorblat")
    assert refused.status_code == 400 and refused.json()["field"] == "text"
    again = client.post("/moderation/words", {"action": "add", "word": "zorblat"}, follow=True)
    assert "already blocked" in again.content.decode()
    client.post("/moderation/words", {"action": "remove", "word": "zorblat"})
    assert submit(logged_in(make_user()), make_feature(), "fires on zorblat").status_code == 201
    assert logged_in(make_user()).post("/moderation/words", {"action": "add", "word": "x1"}).status_code == 403
