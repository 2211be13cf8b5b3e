from __future__ import annotations

from django import forms

from game import site_settings


class LimitsForm(forms.Form):
    """The operator-set limits; the same bounds as the service that saves them."""

    daily_limit = forms.IntegerField(
        label="Scored explanations per player per day",
        min_value=site_settings.LIMIT_MIN,
        max_value=site_settings.LIMIT_MAX,
    )
    daily_budget_usd = forms.FloatField(
        label="Daily scoring budget (USD)",
        min_value=site_settings.BUDGET_MIN_USD,
        max_value=site_settings.BUDGET_MAX_USD,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
