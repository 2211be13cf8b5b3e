"""A record's shaded tokens as HTML, written in one pass: a feature page holds thousands of
tokens, and rendering each through the template language took most of its time."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from game.display import visible_marks

register = template.Library()
THOUSANDTHS = Decimal("0.001")


def _three_places(value: float) -> str:
    # As `floatformat:3` shows it elsewhere (halves round up on the decimal digits shown).
    return str(Decimal(repr(float(value))).quantize(THOUSANDTHS, ROUND_HALF_UP))


@register.simple_tag
def record_tokens(record: dict[str, Any]) -> SafeString:
    """`record["pairs"]` (token, (activation, shade 0..1)) as spans; the peak token is `top`."""
    peak = record.get("max_position")
    spans = []
    for i, (token, (value, shade)) in enumerate(record["pairs"]):
        classes = "tok" + (" fires" if value > 0 else "") + (" top" if i == peak else "")
        tip = _three_places(value)
        # data-value feeds the page's value box (common.js), title the browser's own tooltip.
        spans.append(
            f'<span class="{classes}" data-a="{shade}" data-value="{float(value)!r}" title="activation {tip}">'
            f"<bdi>{escape(token)}</bdi></span>"
        )
    # Every token text went through escape(); the rest is fixed markup and numbers.
    return mark_safe("".join(spans))  # noqa: S308


@register.filter
def visible(text: str | None) -> str:
    """Control bytes and line breaks as visible marks; the result is still escaped on output."""
    return visible_marks(text)
