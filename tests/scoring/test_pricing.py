import pytest

from scoring.pricing import cost_usd, price_for


def test_a_dated_snapshot_takes_its_familys_price() -> None:
    assert price_for("gpt-4o-mini-2024-07-18") == price_for("gpt-4o-mini")


def test_an_unknown_model_costs_the_default_per_token(settings) -> None:
    settings.SCORING_DEFAULT_PRICE_USD_PER_MTOK = (2.0, 4.0)
    assert cost_usd("local-llama", 1_000_000, 500_000) == pytest.approx(4.0)


def test_settings_override_the_table(settings) -> None:
    settings.SCORING_PRICES_USD_PER_MTOK = {"gpt-4o-mini": [1.0, 1.0]}
    assert cost_usd("gpt-4o-mini", 1000, 1000) == pytest.approx(0.002)
