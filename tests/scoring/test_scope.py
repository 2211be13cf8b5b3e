"""Where an explanation confines what it names: hosts of a piece, a phrase, a neighbour."""

from __future__ import annotations

from scoring.naming import named_words
from scoring.scope import Condition, Scope, confinements, symbol_confinements


def _outside(explanation: str, tokens: list[str]) -> list[bool]:
    return Scope.parse(explanation, named_words(explanation)).outside(tokens)[0].tolist()


def _marks_outside(explanation: str, tokens: list[str]) -> list[bool]:
    return Scope.parse(explanation, named_words(explanation)).outside(tokens)[1].tolist()


def test_a_piece_placed_in_a_word_is_named_only_inside_that_word() -> None:
    tokens = [" comm", "erce", " and", " comm", "itted", " comm", "a"]
    assert _outside("The comm at the start of the word commit", tokens) == [
        True, False, False, False, False, True, False,
    ]
    assert confinements("The piece ograph inside photograph and photographic", {"ograph"}) == {
        "ograph": [Condition("host", ("photograph", "photographic"))],
    }


def test_words_given_as_examples_leave_a_piece_named_everywhere() -> None:
    tokens = [" comm", "erce", " comm", "odore"]
    assert _outside("The opening piece comm of words like commit, commerce and comma", tokens) == [False] * 4


def test_a_word_in_a_phrase_is_named_only_inside_that_phrase() -> None:
    tokens = [" must", " be", " a", " string", " and", " can", " be", " empty"]
    explanation = "The word be in the phrase must be, stating a requirement on an argument"
    assert confinements(explanation, named_words(explanation))["be"] == [Condition("phrase", ("must", "be"), 1)]
    assert _outside(explanation, tokens) == [False, False, False, False, False, False, True, False]


def test_a_word_after_listed_words_is_named_only_after_them() -> None:
    tokens = [" can", " be", " used", " to", " be", " read", " will", " be"]
    outside = _outside("The word be after must, should, can or will", tokens)
    assert [outside[i] for i in (1, 4, 7)] == [False, True, False]
    assert _outside("The word their before own", [" their", " own", " their", " hands"]) == [False, False, True, False]


def test_an_unconditioned_mention_names_the_word_everywhere() -> None:
    tokens = [" to", " be", " read"]
    assert _outside("The word be after must, and also the verb be in Bible verses", tokens) == [False] * 3
    assert _outside("The indefinite article a in stories, plus a at the start of astride", [" a", " man"]) == [False] * 2


def test_grammar_that_is_not_a_mention_does_not_free_a_confined_word() -> None:
    tokens = [" Return", " the", " value", " of", " the", " option"]
    assert _outside("The word the right after Return in method descriptions", tokens) == [
        False, False, False, False, True, False,
    ]


def test_an_example_list_after_the_neighbours_is_not_a_neighbour() -> None:
    explanation = "The article a after the word in, as in occurs in a global statement"
    assert confinements(explanation, named_words(explanation)) == {"a": [Condition("after", ("in",))]}


def test_neighbours_described_by_kind_are_no_condition() -> None:
    assert confinements("The word to before a verb, as in to build", {"to"}) == {}
    assert confinements("The pronoun I in Bible verses", {"i"}) == {}


def test_a_host_holds_its_own_forms_but_not_a_shorter_word() -> None:
    tokens = [" print", "ing", " print", " print", "ed"]
    assert _outside("The print in printing", tokens) == [False, False, True, True, False]


def test_a_phrase_of_several_words_is_read_whole() -> None:
    explanation = "The word above in the phrase in the manner described above"
    assert confinements(explanation, named_words(explanation))["above"] == [
        Condition("phrase", ("in", "the", "manner", "described", "above"), 4),
    ]


def test_punctuation_named_in_words_is_bound_to_its_neighbours() -> None:
    tokens = [" behold", ",", " and", ",", " lo"]
    assert _marks_outside("The comma right after the word behold", tokens) == [
        False, False, False, True, False,
    ]
    tokens = [' "', "async", '"', ' "', "def"]
    assert _marks_outside("The opening quote before the keyword async", tokens) == [
        False, False, True, True, False,
    ]


def test_punctuation_named_once_without_neighbours_is_named_everywhere() -> None:
    assert symbol_confinements("Commas right after behold, and also every comma in long lists") == {}
    assert symbol_confinements("Commas closing an if-clause") == {}
