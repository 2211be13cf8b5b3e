"""Text from data as a reader sees it: control bytes, line breaks and odd spaces become visible
marks (the same rule as `displayText` in static/js/common.js), so a clue or an explanation
never hides a character or breaks its line."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ODD_SPACE = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_NEWLINE = re.compile(r"\r\n|\r|\n")


def _control_mark(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures
    return "\u2421" if code == 0x7F else "\ufffd"


def visible_marks(text: str | None) -> str:
    """↵ for a line break, ⇥ for a tab, a control picture for other control bytes, · for odd spaces."""
    text = _NEWLINE.sub("\u21b5", text or "").replace("\t", "\u21e5")
    return _ODD_SPACE.sub("\u00b7", _CONTROL.sub(_control_mark, text))


def line_label(tokens: list[str], values: list[float], *, shown: int = 3) -> str:
    """What a screen reader says for a shaded line: its strongest words and their values."""
    firing = sorted(((v, i) for i, v in enumerate(values) if v > 0), reverse=True)[:shown]
    if not firing:
        return "Text snippet; no word made the feature fire."
    words = [f"\u201c{visible_marks(tokens[i]).strip()}\u201d {_short(v)}" for v, i in firing]
    rest = ", then " + ", ".join(words[1:]) if len(words) > 1 else ""
    return f"Text snippet; strongest on {words[0]}{rest}."


def _short(value: float) -> str:
    # As the pages' fmt(): at most three decimals, no trailing zeros.
    return f"{round(value, 3):.3f}".rstrip("0").rstrip(".")
