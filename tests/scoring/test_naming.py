"""Which tokens a plainly written explanation names: words, punctuation and layout."""

from scoring.naming import named_words, symbol_scores, target_symbol_chars

LINE = [" It", " ends", ".", "\n", "\n\n", " Next", ",", " word"]


def test_a_word_that_starts_with_a_punctuation_name_does_not_name_it() -> None:
    # "command" begins with "comma", "colonial" with "colon": neither names punctuation.
    assert target_symbol_chars("the command entry in the colonial docs") == set()
    assert symbol_scores("the command entry", LINE).tolist() == [0.0] * len(LINE)
    assert target_symbol_chars("commas and colons") == {",", ":"}


def test_line_breaks_are_named_however_they_are_spelled() -> None:
    for text in ("the blank-line paragraph break", "new-line characters", "a line-break", "empty lines",
                 "paragraph breaks", "line feeds"):
        scores = symbol_scores(text, LINE)
        assert scores[3] == 1.0 and scores[4] == 1.0, text
        assert scores[2] == 0.0 and scores[6] == 0.0, text


def test_punctuation_named_as_the_place_of_a_word_is_an_anchor_not_a_target() -> None:
    assert target_symbol_chars("the conjunction but, often after a comma") == set()
    assert target_symbol_chars("names between double underscores") == set()
    # Every item of an anchoring list is an anchor; the full stop itself is the target.
    assert target_symbol_chars("a full stop right after a closing quote, asterisk or parenthesis") == {"."}
    # Named once as a target, it is a target wherever else it is an anchor.
    assert target_symbol_chars("the module sys before a dot, and also dots ending sentences") == {"."}
    assert target_symbol_chars("commas after the word behold") == {","}
    scores = symbol_scores("the word Next after a full stop", LINE)
    assert scores[2] == 0.0


def test_a_naming_word_names_only_the_word_right_after_it() -> None:
    assert "the" in named_words("the word the before nouns")
    # A colon ends the naming word's reach: "the" here is grammar.
    assert "the" not in named_words("A capital A starting a word: the article A")
    assert "a" in named_words("A capital A starting a word: the article A")
