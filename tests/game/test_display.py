"""Text from data as the server-rendered pages show it: the same visible marks as the pages'
scripts, and a line label that tells a screen reader where a snippet fires."""

from __future__ import annotations

import pytest
from django.test import Client

from game.display import line_label, visible_marks
from tests.factories import make_explanation, make_feature

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw, shown", [
    ("Birds sing\n\tin\x16 spring\u00a0.", "Birds sing\u21b5\u21e5in\u2416 spring\u00b7."),
    ("a\r\nb\rc", "a\u21b5b\u21b5c"),
    ("\x7f and \x85", "\u2421 and \ufffd"),
    ("plain words stay", "plain words stay"),
    (None, ""),
])
def test_control_bytes_line_breaks_and_odd_spaces_become_visible_marks(raw, shown) -> None:
    assert visible_marks(raw) == shown


def test_a_line_label_names_the_strongest_words_first_with_their_values() -> None:
    tokens = [" I", " ate", " a", " banana", " split", "\n"]
    values = [0.0, 0.5, 0.0, 4.2, 1.25, 2.0]
    assert line_label(tokens, values) == "Text snippet; strongest on \u201cbanana\u201d 4.2, then \u201c\u21b5\u201d 2, \u201csplit\u201d 1.25."
    assert line_label(tokens, [0.0] * 6) == "Text snippet; no word made the feature fire."


def test_the_feature_page_rows_are_focusable_labelled_and_carry_their_values() -> None:
    feature = make_feature(records=1)
    make_explanation(feature=feature, text="animals\x16 doing\nthings", score=0.3)
    html = Client().get(f"/{feature.source.model.slug}/{feature.source.slug}/{feature.index}").content.decode()
    label = "Text snippet; strongest on \u201cbanana\u201d 5."
    assert f'<span class="tokens" tabindex="0" role="group" aria-label="{label}">' in html
    assert 'data-value="5.0" title="activation 5.000"><bdi> banana</bdi>' in html
    assert "animals\u2416 doing\u21b5things" in html
