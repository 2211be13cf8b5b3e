import pytest

from scoring.records import RecordError, build_scoring_input, normalise_activations


def test_builds_input_with_max_activation_from_top_records() -> None:
    data = build_scoring_input(
        explanation=" cats ", top=[(["a", " cat"], [0.0, 2.5])], random=[(["x"], [0.0])]
    )
    assert data.explanation == "cats"
    assert data.max_activation == 2.5
    assert len(data.random_records) == 1


def test_refuses_a_record_whose_values_do_not_match_its_tokens() -> None:
    with pytest.raises(RecordError, match="2 tokens but 1 values"):
        build_scoring_input(explanation="cats", top=[(["a", "b"], [1.0])])


def test_refuses_non_numeric_values() -> None:
    with pytest.raises(RecordError, match="not a finite number"):
        build_scoring_input(explanation="cats", top=[(["a"], ["high"])])


def test_refuses_an_empty_explanation() -> None:
    with pytest.raises(RecordError, match="explanation is empty"):
        build_scoring_input(explanation="  ", top=[(["a"], [1.0])])


def test_normalises_to_zero_to_ten_with_floor() -> None:
    assert normalise_activations([-1.0, 0.0, 0.49, 0.5, 0.99, 1.0, 2.0], 1.0) == [0, 0, 4, 5, 9, 10, 10]
