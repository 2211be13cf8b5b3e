import pytest

from scoring.records import build_scoring_input
from scoring.registry import get_scorer
from scoring.scorers.offline_simulation import OfflineSimulator


def test_an_explanation_naming_the_firing_token_scores_high(fake_embedder, cat_input) -> None:
    result = OfflineSimulator(fake_embedder).score(cat_input("the word 'cat'"))
    assert result.status == "ok"
    assert result.value > 0.9


def test_an_unrelated_explanation_scores_lower_than_a_fitting_one(fake_embedder, cat_input) -> None:
    scorer = OfflineSimulator(fake_embedder)
    good = scorer.score(cat_input("cats"))
    bad = scorer.score(cat_input("python imports"))
    assert bad.value < good.value


def test_reports_a_prediction_for_every_token_of_every_record(fake_embedder, cat_input) -> None:
    result = OfflineSimulator(fake_embedder).score(cat_input("cats"))
    records = result.details["records"]
    assert [r["kind"] for r in records] == ["top", "top", "random", "random"]
    assert [len(r["predicted"]) for r in records] == [7, 6, 6, 5]
    assert records[0]["true"] == [0, 10, 0, 0, 0, 0, 0]


def test_records_where_nothing_fires_give_an_undefined_score(fake_embedder) -> None:
    data = build_scoring_input(explanation="cats", top=[(["a", " cat"], [0.0, 0.0])], random=[(["b"], [0.0])])
    result = OfflineSimulator(fake_embedder).score(data)
    assert result.status == "undefined"
    assert result.value is None
    assert "constant" in result.error


def test_costs_nothing(fake_embedder, cat_input) -> None:
    result = OfflineSimulator(fake_embedder).score(cat_input("cats"))
    assert (result.calls, result.tokens_in, result.cost_usd) == (0, 0, 0.0)


@pytest.mark.slow
def test_the_registered_scorer_with_the_real_model_prefers_the_right_explanation(cat_input) -> None:
    scorer = get_scorer("offline-simulation")
    assert scorer.score(cat_input("cats")).value > scorer.score(cat_input("python imports")).value
