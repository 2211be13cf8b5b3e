"""Dollar cost of LLM calls: a small table of prices per million tokens, by model.

Deployments override or extend it with the setting `SCORING_PRICES_USD_PER_MTOK`
({"model": [input, output]}); an unknown model costs `SCORING_DEFAULT_PRICE_USD_PER_MTOK`.
"""

from __future__ import annotations

# USD per million tokens (input, output), list prices when written.
PRICES_USD_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-4": (30.00, 60.00),
    "gpt-3.5-turbo": (0.50, 1.50),
}
DEFAULT_PRICE_USD_PER_MTOK: tuple[float, float] = (1.00, 3.00)


def _table() -> tuple[dict[str, tuple[float, float]], tuple[float, float]]:
    table = dict(PRICES_USD_PER_MTOK)
    default = DEFAULT_PRICE_USD_PER_MTOK
    try:
        from django.conf import settings

        if settings.configured:
            table.update({k: tuple(v) for k, v in getattr(settings, "SCORING_PRICES_USD_PER_MTOK", {}).items()})
            default = tuple(getattr(settings, "SCORING_DEFAULT_PRICE_USD_PER_MTOK", default))
    except ImportError:  # used outside Django
        pass
    return table, default


def price_for(model: str) -> tuple[float, float]:
    """(input, output) USD per million tokens; dated snapshots take their family's price
    (longest matching prefix, so "gpt-4o-mini-2024-07-18" is not priced as "gpt-4")."""
    table, default = _table()
    if model in table:
        return table[model]
    prefixes = [k for k in table if model.startswith(k)]
    return table[max(prefixes, key=len)] if prefixes else default


def cost_usd(model: str, tokens_in: int, tokens_out: int) -> float:
    p_in, p_out = price_for(model)
    return (tokens_in * p_in + tokens_out * p_out) / 1_000_000
