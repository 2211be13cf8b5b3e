import pytest

from scoring.registry import get_scorer
from scoring.scorers.embedding import EmbeddingScorer


def test_ranks_activating_records_above_random_ones_for_a_fitting_explanation(fake_embedder, cat_input) -> None:
    result = EmbeddingScorer(fake_embedder).score(cat_input("cat"))
    assert result.status == "ok"
    assert result.value == 1.0


def test_is_undefined_without_random_records(fake_embedder, cat_input) -> None:
    result = EmbeddingScorer(fake_embedder).score(cat_input("cat", random=False))
    assert result.status == "undefined"
    assert result.value is None
    assert "random" in result.error


@pytest.mark.slow
def test_the_registered_scorer_with_the_real_model_prefers_the_right_explanation(cat_input) -> None:
    scorer = get_scorer("embedding")
    assert scorer.score(cat_input("animals: cats and dogs")).value > scorer.score(cat_input("python imports")).value
