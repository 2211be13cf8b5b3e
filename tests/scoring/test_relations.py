"""The placed reading: tokens an explanation places by position, not by what they are."""

from __future__ import annotations

import numpy as np

from scoring.relations import placement, relation_scores

TOKENS = [" Keep", " my", " word", ",", " and", " thy", " heart", ".", "\n", "And", " the", " (", " old", " law", ")", " ends", "."]


def placed(explanation: str) -> list[str]:
    return [t for t, v in zip(TOKENS, relation_scores(explanation, TOKENS)) if v]


def test_the_word_after_named_words_is_placed_not_the_words_themselves():
    assert placed("The thing someone owns, the word right after my, thy or his, such as heart") == [" word", " heart"]
    assert placed("The word right before my or thy") == [" Keep", " and"]


def test_punctuation_and_layout_named_in_words_anchor_placements():
    assert placed("The first word of each line, right after a line break") == ["And"]
    assert placed("The first word of a new sentence") == ["And"]
    assert placed("The last word of a sentence, right before the full stop") == [" heart", " ends"]
    assert placed("The first word after a comma, such as and or but") == [" and"]
    assert placed("Words inside round brackets") == [" old", " law"]


def test_articles_are_anchors_only_when_nothing_else_is_named():
    assert placement("The word right after a or an").after_words == {"a", "an"}
    assert placement("The word right after the line break").after_chars == {"\n"}


def test_an_explanation_that_places_nothing_reads_all_zeros():
    for text in ("Words for family members such as father", "The commas themselves", "Verbs in the past tense"):
        assert not np.any(relation_scores(text, TOKENS)), text
