from scoring.lexical import ExplanationTerms


def test_quoted_tokens_are_read_with_their_roles() -> None:
    terms = ExplanationTerms.parse('the token " import" (also " from") after "\\n", predicting " os"')
    assert terms.fires_on == {"import", "from"}
    assert terms.after == {"newline"}
    assert terms.before == {"os"}


def test_the_named_token_scores_highest_and_its_context_adds() -> None:
    terms = ExplanationTerms.parse('the token " import" after "\\n"')
    scores = terms.scores(["x", " import", "\n", " import"])
    assert scores[0] == 0
    assert scores[3] > scores[1] > 0


def test_unquoted_content_words_match_by_stem_but_filler_does_not() -> None:
    terms = ExplanationTerms.parse("mentions of imports in the text")
    scores = terms.scores([" import", " the", " text"])
    assert scores[0] > 0
    assert scores[1] == scores[2] == 0
