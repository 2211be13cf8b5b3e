"""The junk filter: what it refuses, what it keeps, and that a refusal through the API costs
the player nothing (no row, no daily slot)."""

from __future__ import annotations

import pytest

from game import junk
from game.junk import junk_reason
from game.models import DailyCounter, Explanation
from tests.factories import make_campaign, make_feature, make_user
from tests.game.api_helpers import logged_in, submit

# (kind, text, the reason expected): one or more examples of each kind of junk.
JUNK = [
    ("script tag", "<script>alert(1)</script>", junk.MARKUP),
    ("element with text", "<b>bold</b> text", junk.MARKUP),
    ("tag with event handler", "<img src=x onerror=alert(document.cookie)>", junk.MARKUP),
    ("tag with elided handler", "<img src=x onerror=...>", junk.MARKUP),
    ("HTML comment", "<!-- hidden -->", junk.MARKUP),
    ("JavaScript function", "function(){return 1;}", junk.CODE),
    ("JavaScript global", "document.cookie", junk.CODE),
    ("jQuery", "$(document).ready()", junk.CODE),
    ("CSS rule", "body{color:red}", junk.CODE),
    ("SQL injection", "'; DROP TABLE users; --", junk.CODE),
    ("SQL union", "UNION SELECT password FROM users", junk.CODE),
    ("keyboard mashing", "asdfghjkl qwertyuiop", junk.MASHING),
    ("random letters", "xq zzv kkrt pplm", junk.MASHING),
    ("mashed syllables", "sdkfjh sdkjfh", junk.MASHING),
    ("quoted letters", '"a", "b", "c", "d", "e"', junk.TOKEN_LIST),
    ("quoted tokens", "' the', ' of', ' and', ' to', ' in'", junk.TOKEN_LIST),
    ("digits only", "12345 678", junk.NO_WORDS),
    ("punctuation only", "!!! ??? ...", junk.NO_WORDS),
    ("emoji only", "\U0001f642\U0001f642\U0001f642", junk.NO_WORDS),
    ("one character repeated", "aaaaaaaaaaaa", junk.REPEATED),
    ("one word repeated", "ok ok ok ok", junk.REPEATED),
    ("bare URL", "http://spam.example/buy", junk.LINK),
    ("link spam", "cheap pills at www.pills.example/buy now", junk.LINK),
    ("activation numbers", "0.1 0.5 0.9 0.3 1.2", junk.NUMBERS),
    ("labelled activation numbers", "activations: 0.1 0.5 0.9 0.3 1.2", junk.NUMBERS),
]

REAL = [
    'the token "<"',
    "the closing angle bracket > of HTML tags",
    "curly braces {} in format strings",
    "the word function in JavaScript-like code",
    'tokens like "import" and "from" at the start of lines',
    "__init__ methods and other dunder names",
    "the letter N starting capitalised words such as Note",
    "numbers like 0 and 1 inside braces",
    "newlines",
    "plural nouns",
    "commas",
    "a",
    "the <br> tag in HTML",
    "closing tags like </div>",
    "SQL keywords like SELECT and FROM",
    "DROP TABLE statements in SQL",
    "accesses to document.cookie in JS code",
    "semicolons ending JavaScript statements like x = 1;",
    "format specs like {0:.2f} and {name:>10}",
    "the https:// at the start of URLs",
    "JSON YAML TOML",
    "years like 1990 and 2000",
    "tokens like ' the', ' of', ' and', ' to', ' in': common function words",
    "email addresses like name@example.com",
    "the \U0001f642 emoji",
    "naïve café résumé",
    "shit about fruit",  # profanity is judged by its own check, not here
]


@pytest.mark.parametrize(("kind", "text", "reason"), JUNK, ids=[kind for kind, _, _ in JUNK])
def test_junk_is_refused_with_its_reason(kind: str, text: str, reason: str) -> None:
    assert junk_reason(text) == reason
    assert reason.strip() and reason.endswith(".")


@pytest.mark.parametrize("text", REAL)
def test_real_explanations_are_kept(text: str) -> None:
    assert junk_reason(text) is None


def test_empty_text_is_left_to_the_caller() -> None:
    assert junk_reason("") is None
    assert junk_reason("   ") is None


def test_the_word_list_comes_from_the_embedding_models_vocabulary() -> None:
    vocabulary = junk._vocabulary()
    assert len(vocabulary) > 10_000
    assert {"the", "token", "brackets"} <= vocabulary
    assert not any(word.startswith("##") for word in vocabulary)


def test_without_the_word_list_the_filter_still_works(monkeypatch) -> None:
    monkeypatch.setattr(junk, "_vocabulary", lambda: frozenset())
    monkeypatch.setattr(junk, "_bigram_counts", lambda: junk.Counter())
    assert junk_reason("asdfghjkl qwertyuiop") == junk.MASHING
    assert junk_reason("<script>alert(1)</script>") == junk.MARKUP
    assert junk_reason("the token \"<\" opening HTML tags") is None
    assert junk_reason("plural nouns") is None


# --- Through the JSON API ---------------------------------------------------------------------


@pytest.fixture
def player_and_feature(db):
    feature = make_feature()
    make_campaign(features=[feature], active=True)
    return make_user(), feature


def _left_today(client) -> int:
    response = client.get("/api/me")
    assert response.status_code == 200
    return response.json()["explanations_left_today"]


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "text", "reason"), JUNK, ids=[kind for kind, _, _ in JUNK])
def test_the_api_refuses_junk_without_taking_a_daily_slot(player_and_feature, kind: str, text: str,
                                                           reason: str) -> None:
    user, feature = player_and_feature
    client = logged_in(user)
    left_before = _left_today(client)
    assert left_before > 0

    response = submit(client, feature, text)

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == reason
    assert body["field"] == "text"
    assert not Explanation.objects.exists()
    assert not DailyCounter.objects.filter(
        user=user, kind=DailyCounter.Kind.SCORED_EXPLANATIONS, used__gt=0
    ).exists()
    assert _left_today(client) == left_before


@pytest.mark.django_db
def test_the_api_accepts_an_explanation_of_a_markup_feature_after_refusing_junk(player_and_feature) -> None:
    user, feature = player_and_feature
    client = logged_in(user)
    left_before = _left_today(client)

    refused = submit(client, feature, "<b>bold</b> text")
    assert refused.status_code == 400
    assert _left_today(client) == left_before

    accepted = submit(client, feature, 'the token "<" opening HTML tags')
    assert accepted.status_code == 201, accepted.json()
    body = accepted.json()
    assert body["status"] == "queued"
    explanation = Explanation.objects.get(pk=body["id"])
    assert explanation.text == 'the token "<" opening HTML tags'
    assert explanation.author == user
    assert Explanation.objects.count() == 1
    assert _left_today(client) == left_before - 1
    counter = DailyCounter.objects.get(user=user, kind=DailyCounter.Kind.SCORED_EXPLANATIONS)
    assert counter.used == 1
