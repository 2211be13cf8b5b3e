"""Explicit clues: decided once when a record is imported (and again by `recheck_explicit` after
the word list changes), never by scanning texts while serving a puzzle."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import profanity
from accounts.blocked_words import blocked_word_add, blocked_word_remove
from accounts.models import Profile
from game import importer
from game.models import ActivationRecord, Campaign, Feature
from tests.accounts.profanity_helpers import fresh_word_list  # noqa: F401
from tests.factories import make_feature, make_record, make_user
from tests.game.api_helpers import logged_in
from tests.tiny_pack import write_tiny_pack

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_word_list")]

EXPLICIT = " damn"  # on better-profanity's list (as "damn")


def plant_word(pack: Path, word: str) -> int:
    """Add `word` to the pack's vocabulary and put it in the window of the first top record of
    0-mlp's feature 0 (records of either source overlapping that position get it too).
    Returns its token id."""
    vocab = json.loads((pack / "vocab.json").read_text())
    token = len(vocab)
    (pack / "vocab.json").write_text(json.dumps([*vocab, word]))
    meta = json.loads((pack / "pack.json").read_text())
    meta["model"]["d_vocab"] = token + 1
    (pack / "pack.json").write_text(json.dumps(meta))
    arrays = np.load(pack / "features" / "0-mlp.npz")
    first = int(np.flatnonzero((arrays["rec_feature"] == 0) & (arrays["rec_kind"] == 0) & (arrays["rec_rank"] == 0))[0])
    corpus = np.load(pack / "corpus_tokens.npy")
    corpus[int(arrays["rec_start"][first]) + 1] = token
    np.save(pack / "corpus_tokens.npy", corpus)
    return token


def import_planted(tmp_path: Path, word: str = EXPLICIT) -> tuple[int, Feature]:
    """The tiny pack with `word` planted, imported; the campaign narrowed to the feature whose
    clue holds it, so that it is the puzzle served."""
    pack = write_tiny_pack(tmp_path / "pack")
    token = plant_word(pack, word)
    importer.import_pack(pack, campaign="tiny", score_baselines=False)
    feature = Feature.objects.get(source__slug="0-mlp", index=0)
    Campaign.objects.get(slug="tiny").features.set([feature])
    return token, feature


def holds(record: ActivationRecord, token: int) -> bool:
    return token in record.ids().tolist()


def forbid_the_profanity_check(monkeypatch) -> None:
    def refuse(text: str) -> bool:
        raise AssertionError("the profanity check ran while serving a puzzle")

    monkeypatch.setattr(profanity, "contains_profanity", refuse)
    monkeypatch.setattr("game.services.moderation.contains_profanity", refuse)


# --- Import -----------------------------------------------------------------------------------


def test_a_record_holding_an_explicit_word_is_flagged_at_import_and_no_other(tmp_path) -> None:
    token, _ = import_planted(tmp_path)
    records = list(ActivationRecord.objects.select_related("feature__source__model"))
    flagged = {r.pk for r in records if r.explicit}
    assert flagged == {r.pk for r in records if holds(r, token)}
    assert flagged  # the planted clue at least
    assert all(EXPLICIT in r.text() for r in records if r.explicit)


def test_a_harmless_word_planted_the_same_way_is_not_flagged(tmp_path) -> None:
    import_planted(tmp_path, word=" zorblax")
    assert not ActivationRecord.objects.filter(explicit=True).exists()


# --- Serving ----------------------------------------------------------------------------------


def hidden_and_shown(body: dict) -> tuple[list[dict], list[dict]]:
    clues = body["clues"] + body["quantiles"]
    return [c for c in clues if c["hidden_explicit"]], [c for c in clues if not c["hidden_explicit"]]


def test_the_flagged_clue_is_hidden_from_an_anonymous_player_who_asks(tmp_path) -> None:
    _, feature = import_planted(tmp_path)
    body = Client().get("/api/puzzle/next", {"hide_explicit": "1"}).json()
    assert body["feature"]["index"] == feature.index and body["feature"]["source"] == "0-mlp"
    hidden, shown = hidden_and_shown(body)
    flagged_clues = feature.records.filter(held_out=False, kind__in=["top", "quantile"], explicit=True).count()
    assert len(hidden) == flagged_clues >= 1
    assert all(set(c) == {"hidden_explicit", "kind", "quantile_bin", "max_value"} for c in hidden)
    assert shown and "damn" not in json.dumps(body)


def test_the_flagged_clue_is_hidden_from_a_player_whose_profile_says_so(tmp_path) -> None:
    import_planted(tmp_path)
    user = make_user()
    Profile.objects.create(user=user, hide_explicit=True)
    body = logged_in(user).get("/api/puzzle/next").json()
    hidden, _ = hidden_and_shown(body)
    assert hidden and "damn" not in json.dumps(body)


def test_the_flagged_clue_is_shown_to_everyone_else(tmp_path) -> None:
    import_planted(tmp_path)
    for client in (Client(), logged_in(make_user())):
        body = client.get("/api/puzzle/next").json()
        hidden, shown = hidden_and_shown(body)
        assert not hidden
        assert any(EXPLICIT in c["tokens"] for c in shown)


def test_serving_a_puzzle_never_runs_the_profanity_check(tmp_path, monkeypatch) -> None:
    import_planted(tmp_path)
    user = make_user()
    Profile.objects.create(user=user, hide_explicit=True)
    forbid_the_profanity_check(monkeypatch)
    anonymous = Client().get("/api/puzzle/next", {"hide_explicit": "1"})
    assert anonymous.status_code == 200
    assert hidden_and_shown(anonymous.json())[0]
    player = logged_in(user)
    served = player.get("/api/puzzle/next")
    assert served.status_code == 200 and hidden_and_shown(served.json())[0]
    again = player.get(f"/api/puzzle/{served.json()['puzzle_id']}")
    assert again.status_code == 200 and hidden_and_shown(again.json())[0]


def test_hiding_explicit_clues_costs_no_extra_query(tmp_path) -> None:
    import_planted(tmp_path)

    def queries(params: dict) -> int:
        profanity.word_list_changed()  # even right after the word list changed: nothing reloads it
        with CaptureQueriesContext(connection) as ctx:
            response = Client().get("/api/puzzle/next", params)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    plain = queries({})
    hiding = queries({"hide_explicit": "1"})
    assert hiding <= plain


# --- Rechecking after the word list changes ---------------------------------------------------


def test_recheck_flags_records_after_a_word_is_blocked_and_clears_them_after_it_is_removed(tmp_path) -> None:
    token, _ = import_planted(tmp_path, word=" zorblax")
    holding = {r.pk for r in ActivationRecord.objects.all() if holds(r, token)}
    assert holding and not ActivationRecord.objects.filter(explicit=True).exists()

    blocked_word_add("zorblax", by=make_user())
    call_command("recheck_explicit", "--batch-size", "7")  # several batches
    assert set(ActivationRecord.objects.filter(explicit=True).values_list("pk", flat=True)) == holding
    body = Client().get("/api/puzzle/next", {"hide_explicit": "1"}).json()
    assert hidden_and_shown(body)[0] and "zorblax" not in json.dumps(body)

    blocked_word_remove("zorblax")
    call_command("recheck_explicit")
    assert not ActivationRecord.objects.filter(explicit=True).exists()


def test_recheck_of_one_source_leaves_the_others(tmp_path, capsys) -> None:
    token, _ = import_planted(tmp_path, word=" zorblax")
    blocked_word_add("zorblax")
    call_command("recheck_explicit", "--source", "0-mlp")
    flagged = ActivationRecord.objects.filter(explicit=True)
    assert flagged.exists()
    assert set(flagged.values_list("feature__source__slug", flat=True)) == {"0-mlp"}
    mlp = ActivationRecord.objects.filter(feature__source__slug="0-mlp")
    assert f"checked {mlp.count()} records: {flagged.count()} explicit, {flagged.count()} changed" in capsys.readouterr().out


def test_recheck_of_an_unknown_source_is_refused() -> None:
    with pytest.raises(CommandError, match="No source 'nope'"):
        call_command("recheck_explicit", "--source", "nope")


# --- Existing rows ----------------------------------------------------------------------------


def test_the_migration_flags_records_that_existed_before_it() -> None:
    from django.apps import apps

    feature = make_feature(records=1)
    stale = make_record(feature=feature, token_ids=[16, 18, 5], values=[0, 4.0, 0], rank=5, explicit=False)  # " I damn mat"
    migration = importlib.import_module("game.migrations.0011_activation_record_explicit")
    migration.flag_explicit_records(apps, None)
    stale.refresh_from_db()
    assert stale.explicit
    assert not feature.records.exclude(pk=stale.pk).filter(explicit=True).exists()


def test_words_ordinary_in_old_books_do_not_mark_a_clue_explicit_but_stay_refused_for_players() -> None:
    from game.services.moderation import explicit_text_check

    check = explicit_text_check()
    assert not check("And God said, Let there be light: and the ass saw the angel of the LORD.")
    assert check("and then he said damn it all")
    from accounts.profanity import contains_profanity

    assert contains_profanity("god")  # usernames and explanations keep the whole list
