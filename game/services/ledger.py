"""The cost ledger: what paid models cost (LlmUsage rows) and today's budget left."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from game import site_settings
from game.models import Explanation, LlmUsage

# A job deferred for budget looks again this often, so raising the budget takes effect soon.
BUDGET_RECHECK_S = 300.0


def spent_today_usd() -> float:
    """Today's spend (UTC) on paid models, scoring and explaining together, from the ledger."""
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return float(LlmUsage.objects.filter(created__gte=start).aggregate(s=Sum("cost_usd"))["s"] or 0.0)


def budget_left_usd() -> float:
    # The operators' page can override SCORING_DAILY_BUDGET_USD for every process.
    return site_settings.daily_budget_usd() - spent_today_usd()


def budget_allows(method: str) -> bool:
    """Free scorers always run; a paid one only while today's budget lasts."""
    from scoring.registry import get_scorer

    scorer = get_scorer(method)
    if not getattr(scorer, "costs_money", False):
        return True
    return budget_left_usd() > 0


def seconds_to_budget_recheck() -> float:
    """Until the budget may allow again: the next recheck, or midnight (UTC) if sooner."""
    now = timezone.now()
    tomorrow = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, min(BUDGET_RECHECK_S, (tomorrow - now).total_seconds()))


def scoring_usage_record(
    *, method: str, explanation: Explanation, calls: int = 0, tokens_in: int = 0, tokens_out: int = 0,
    cost_usd: float = 0.0, llm_model: str = "",
) -> LlmUsage | None:
    """A ledger row for scoring calls; none when nothing was called or spent."""
    if not (calls or cost_usd):
        return None
    return LlmUsage.objects.create(
        purpose=LlmUsage.Purpose.SCORE, method=method, llm_model=llm_model, explanation=explanation,
        calls=calls, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost_usd,
    )


def failed_call_record(*, method: str, explanation: Explanation, exc: Exception) -> LlmUsage | None:
    """A failed call still costs money: it counts against the daily budget."""
    usage: dict[str, Any] = getattr(exc, "usage", None) or {}
    return scoring_usage_record(
        method=method, explanation=explanation, calls=usage.get("calls", 0),
        tokens_in=usage.get("tokens_in", 0), tokens_out=usage.get("tokens_out", 0),
        cost_usd=usage.get("cost_usd", 0.0),
    )
