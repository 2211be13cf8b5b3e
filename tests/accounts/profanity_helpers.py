"""Helpers for tests of refused words."""

from __future__ import annotations

import pytest

from accounts import profanity


@pytest.fixture
def fresh_word_list(db):
    """Every process keeps its loaded word list between tests, but each test's rows are rolled
    back: reload after the test so a word it blocked does not outlive it."""
    yield
    profanity.word_list_changed()
