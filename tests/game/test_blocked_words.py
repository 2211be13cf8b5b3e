"""A word moderators block is refused in explanations too, until it is removed."""

from __future__ import annotations

import pytest

from accounts.blocked_words import blocked_word_add, blocked_word_remove
from game.models import Explanation
from tests.accounts.profanity_helpers import fresh_word_list  # noqa: F401
from tests.factories import make_feature, make_user
from tests.game.api_helpers import logged_in, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_word_list")]


def test_an_explanation_with_a_blocked_word_is_refused_until_the_word_is_removed() -> None:
    client, feature = logged_in(make_user()), make_feature()
    blocked_word_add("zorblax", by=make_user())

    refused = submit(client, feature, "fires on zorblax and similar words")
    assert refused.status_code == 400
    assert refused.json()["field"] == "text"
    assert "word we do not accept" in refused.json()["error"]
    assert submit(client, feature, "fires on z0rblax and similar words").status_code == 400
    assert not Explanation.objects.exists()

    blocked_word_remove("zorblax")
    assert submit(client, feature, "fires on zorblax and similar words").status_code == 201
