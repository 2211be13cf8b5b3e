"""Refused words: better-profanity's list plus the moderators' `BlockedWord` rows, in every
process within seconds; usernames with one are refused at signup."""

from __future__ import annotations

import pytest
from better_profanity import profanity as package_singleton
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import profanity
from accounts.blocked_words import BlockedWordError, blocked_word_add, blocked_word_remove
from accounts.models import BlockedWord
from tests.accounts.profanity_helpers import fresh_word_list  # noqa: F401
from tests.factories import make_user

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_word_list")]

MESSAGE = "That username contains a word we do not accept; please choose another."


def sign_up(client, username: str):
    return client.post(reverse("account_signup"), {
        "email": f"{username.lower()}@example.com", "username": username,
        "password1": "a long pass phrase 42", "password2": "a long pass phrase 42",
    })


# --- The check --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["shit", "what the sh1t", "$hit happens", "SHIT"])
def test_the_package_list_and_its_leetspeak_variants_are_refused(text: str) -> None:
    assert profanity.contains_profanity(text)


@pytest.mark.parametrize("text", ["fires on fruit names", "the word assassin", "class scunthorpe"])
def test_ordinary_words_pass(text: str) -> None:
    assert not profanity.contains_profanity(text)


def test_a_blocked_word_is_refused_with_its_leetspeak_and_then_accepted_again() -> None:
    assert not profanity.contains_profanity("a zorblax here")
    blocked_word_add("Zorblax", by=make_user())
    assert profanity.contains_profanity("a zorblax here")
    assert profanity.contains_profanity("a z0rbl4x here")
    blocked_word_remove("zorblax")
    assert not profanity.contains_profanity("a zorblax here")


def test_a_blocked_phrase_of_two_words_is_refused() -> None:
    blocked_word_add("quux plonk")
    assert profanity.contains_profanity("well quux plonk then")
    assert not profanity.contains_profanity("quux alone")


def test_the_packages_shared_instance_is_left_alone() -> None:
    blocked_word_add("zorblax")
    assert profanity.contains_profanity("zorblax")
    assert not package_singleton.contains_profanity("zorblax")


def test_a_word_added_by_another_process_is_seen_within_the_recheck_interval(monkeypatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(profanity, "monotonic", lambda: clock[0])
    assert not profanity.contains_profanity("zorblax")  # loaded now
    # Another process: its row, and a new version in the shared cache; this process is not told.
    BlockedWord.objects.create(word="zorblax")
    cache.set(profanity.VERSION_KEY, "set-by-another-process", timeout=None)
    clock[0] += 1
    assert not profanity.contains_profanity("zorblax")  # not looked at again yet: cheap
    clock[0] += profanity.RECHECK_SECONDS
    assert profanity.contains_profanity("zorblax")


def test_an_unchanged_version_does_not_reload(monkeypatch, django_assert_num_queries) -> None:
    clock = [1000.0]
    monkeypatch.setattr(profanity, "monotonic", lambda: clock[0])
    profanity.contains_profanity("warm up")
    clock[0] += profanity.RECHECK_SECONDS + 1
    with django_assert_num_queries(0):
        assert not profanity.contains_profanity("nothing here")


# --- Adding and removing words ----------------------------------------------------------------


def test_a_word_is_stored_lowercase_with_who_added_it() -> None:
    moderator = make_user()
    blocked = blocked_word_add("  Zorblax   Fen ", by=moderator)
    assert (blocked.word, blocked.added_by) == ("zorblax fen", moderator)


@pytest.mark.parametrize(("word", "says"), [
    ("z", "2 to 50 characters"), ("z" * 51, "2 to 50 characters"), ("", "2 to 50 characters"),
    ("zor-blax", "only letters, digits and spaces"), ("zor_blax", "only letters, digits and spaces"),
    ("<b>", "only letters, digits and spaces"),
])
def test_a_badly_formed_word_is_refused_with_a_reason(word: str, says: str) -> None:
    with pytest.raises(BlockedWordError, match=says):
        blocked_word_add(word)
    assert not BlockedWord.objects.exists()


def test_a_word_already_blocked_is_refused() -> None:
    blocked_word_add("zorblax")
    with pytest.raises(BlockedWordError, match="already blocked"):
        blocked_word_add("ZORBLAX")


def test_removing_a_word_not_on_the_list_is_refused() -> None:
    with pytest.raises(BlockedWordError, match="not on the blocked list"):
        blocked_word_remove("zorblax")


def test_moderators_manage_words_from_the_command_line(capsys) -> None:
    call_command("blocked_word", "add", "Zorblax")
    call_command("blocked_word", "list")
    assert "zorblax" in capsys.readouterr().out
    assert profanity.contains_profanity("zorblax")
    with pytest.raises(CommandError, match="already blocked"):
        call_command("blocked_word", "add", "zorblax")
    call_command("blocked_word", "remove", "zorblax")
    assert not profanity.contains_profanity("zorblax")


# --- Usernames --------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["shit", "sh1t_happens", "Big.Shit", "BigSh1t", "fuck-off"])
def test_signing_up_with_a_profane_username_is_refused(client, username: str) -> None:
    response = sign_up(client, username)
    assert response.status_code == 200
    assert MESSAGE in response.content.decode()
    assert not get_user_model().objects.filter(username=username).exists()


def test_signing_up_with_an_ordinary_username_works(client) -> None:
    response = sign_up(client, "fruit_fan")
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="fruit_fan").exists()


def test_a_blocked_word_is_refused_in_usernames_until_it_is_removed(client) -> None:
    blocked_word_add("zorblax")
    assert MESSAGE in sign_up(client, "zorblax_fan").content.decode()
    blocked_word_remove("zorblax")
    assert sign_up(client, "zorblax_fan").status_code == 302


def test_a_username_made_up_from_an_oauth_profile_skips_a_refused_one() -> None:
    from allauth.utils import generate_unique_username

    assert generate_unique_username(["shit", "fruit fan"]) == "fruit_fan"


# --- The indexed word list --------------------------------------------------------------------


def test_the_indexed_word_list_answers_as_the_packages_list() -> None:
    from better_profanity import Profanity

    words = sorted(profanity._default_words() | {"zorblax", "quux plonk", "σας"})
    package, indexed = Profanity(words), profanity._IndexedProfanity(words)
    assert isinstance(indexed.CENSOR_WORDSET, profanity._WordIndex)
    subs = package.CHARS_MAPPING
    # Every listed word, its leetspeak spellings and near misses (one character off or extra).
    queries = {"", "****", "$h1t", "5h*t", "sh!t", "@ss", "a55", "z0rbl4x", "quux plonk", "quux  plonk", "Σας", "class"}
    for w in words:
        queries |= {w, w + "s", w[1:], "".join(subs.get(c, (c,))[-1] for c in w), "".join(subs.get(c, (c,))[1 % len(subs.get(c, (c,)))] for c in w)}
    assert {q for q in queries if q in indexed.CENSOR_WORDSET} == {q for q in queries if q in package.CENSOR_WORDSET}
    texts = ["what the sh1t", "well quux plonk then", "a z0rbl4x", "s.h.i.t. happens", "fires on fruit names",
             "class scunthorpe assert pass", "Return the $h!t of X.\n>>> 5hit()"]
    assert [indexed.contains_profanity(t) for t in texts] == [package.contains_profanity(t) for t in texts]
