"""An example's surroundings are not what the explanation names."""

from __future__ import annotations

from scoring.examples import setting_spans, setting_words
from scoring.naming import named_words, naming_scores


def spans_text(explanation: str) -> list[str]:
    return [explanation[a:b] for a, b in setting_spans(explanation)]


def test_words_around_a_repeated_target_are_its_setting() -> None:
    text = "The word above referring back to earlier text, as in described above, any of the above, or the above order."
    assert {"described", "any", "order"} <= setting_words(text)
    assert "above" not in setting_words(text)
    assert setting_words("The word was, usually in past clauses such as if it was set or was removed") == {
        "if", "it", "set", "removed"}


def test_one_word_examples_and_examples_sharing_nothing_are_targets() -> None:
    assert setting_words("The capital Ac starting words such as Access, Accept, Acquire and According") == set()
    assert setting_words("Opening parentheses of calls, as in bind(address) or s(tep)") == set()
    # Not an example marker: "especially" describes, it does not illustrate.
    assert spans_text("The module names sys and os, especially just before a dot") == []


def test_a_setting_word_that_the_explanation_also_names_stays_named() -> None:
    text = "The words set and get, as in was set or get a value"
    assert "set" not in setting_words(text) and "get" not in setting_words(text)


def test_as_in_introduces_an_example_and_is_not_a_name() -> None:
    assert "in" not in named_words("The word system, as in operating system")
    assert "in" in named_words("The prepositions of, to and in")
    assert {"as"} <= named_words("The short words not, is and as")


def test_setting_words_are_not_predicted_as_named() -> None:
    text = "The word above referring back, as in described above"
    tokens = [" described", " above", " order"]
    plain = naming_scores(text, tokens)
    read = naming_scores(text, tokens, frozenset(setting_words(text)))
    assert plain[0] > 0 and read[0] == 0
    assert read[1] == plain[1] > 0
