"""The play page's finish, in a real browser (Debian's chromium through Playwright) on a desktop
and on a 390×844 touch phone: clues folded and centred, values readable, weaker examples in
order, the answer one scroll away on a phone, an honest result card, no keyboard hints on
touch screens, test-your-text in simple mode and links to share.

The site and the browser are `tests/game/test_browser.py`'s (its data from `browser_data.py`);
`add_echo_data` adds an `echo` feature (its own small model) whose records repeat one snippet
in near-identical windows, carry tokenizer debris and list "weaker" examples as strong as the
top clues, and makes it the only feature in play, so `/play` serves it through the puzzle API
(folded by the server), as `/play?feature=...` does through the named-puzzle route. It also
adds the players these tests log in as. Screenshots go to tests/artifacts/, where
test_browser.py puts its own.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from tests.game.test_browser import ARTIFACTS, _feature_path, _log_in, browser, site  # noqa: F401 (fixtures)
from tests.latentpedia.test_csp import REPORT_VIOLATIONS
from tests.servers import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PEAK = 5.0
DOG = "The quick brown fox jumps over the lazy {dog} today ."
FILLER = [
    "and", "so", "the", "long", "story", "went", "on", "and", "on", "for", "a", "while", "before", "anything",
    "at", "all", "happened", "to", "anyone", "in", "the", "small", "quiet", "village", "by", "the", "sea",
]
TOP = [
    (DOG, 1.0, 2),
    ("the  QUICK brown fox jumps over the lazy {dog} today .", 0.96, 1),  # the same snippet to a reader
    (" ".join(FILLER[:25]) + " a {cat} " + " ".join(FILLER[:25]), 0.9, 0),  # cut on both sides
    ("Fish {swim} in the cold river .", 0.64, 0),
    ("Horses {run} across the open field .", 0.6, 0),
]
# Tokenizer debris: a newline, a tab, a control byte and a no-break space around the peak.
DEBRIS_TOKENS = ["Birds", " sing", "\n", "\t", "in", "\u0016", " spring", "\u00a0", "."]
DEBRIS_VALUES = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, PEAK * 0.7, 0.0, 0.0]
QUANTILES = [
    ("A {wolf} howled at night .", 0.98, 3),  # 98 % of the strongest: not a weaker example
    (DOG, 0.4, 2),                              # a top clue again
    ("A small {mouse} ran past .", 0.24, 2),    # a high bin, but weaker than the next
    ("The {owl} hooted softly .", 0.5, 1),
    ("Some {bees} buzzed by .", 0.16, 0),
]
HELD_OUT = [("The {goat} ate the grass .", 0.9), ("A {hen} pecked at the corn .", 0.8),
            ("The {sheep} slept in the barn .", 0.85)]
DEBRIS_EXPLANATION = "animals\u0016 doing\nthings \ufffd"
# Names punctuation the feature never fires on: the scorer's correlation comes out below 0.
NEGATIVE_EXPLANATION = "the full stop at the end of a sentence"


# Each test that writes plays as its own player, so daily limits and votes never cross.
ECHO_PLAYERS = ("keyboard", "ahead", "behind", "away")
# Names the held-out snippets' animals: scores well above 0 on this feature.
ANIMALS_EXPLANATION = "names of animals like a goat, a hen, a sheep, a dog or a cat"


def add_echo_data() -> dict:
    from django.conf import settings

    from game.models import (
        ActivationRecord,
        Campaign,
        Explanation,
        Feature,
        LanguageModel,
        Source,
    )
    from scoring.registry import scorer_version
    from tests.game.browser_data import RANDOM, _parse, _record, _Vocab

    vocab = _Vocab()
    model = LanguageModel.objects.create(slug="echo-model", name="Echo model", n_layers=1, d_model=64, d_vocab=0)
    source = Source.objects.create(model=model, slug="0-res-sae", kind=Source.Kind.SAE, layer=0,
                                   hook_point="blocks.0.hook_resid_post", width=4096)
    feature = Feature.objects.create(source=source, index=55, max_activation=PEAK, frac_nonzero=0.01)

    def peaked(template: str, strength: float) -> tuple[list[str], list[float]]:
        tokens, marks = _parse(template)
        return tokens, [round(PEAK * strength * m, 3) for m in marks]

    rows = []
    for rank, (template, strength, duplicates) in enumerate(TOP):
        tokens, values = peaked(template, strength)
        rows.append(_record(feature, vocab, tokens, values, kind="top", rank=rank, duplicates=duplicates))
    rows.append(_record(feature, vocab, DEBRIS_TOKENS, DEBRIS_VALUES, kind="top", rank=len(TOP)))
    for rank, (template, strength, bin_) in enumerate(QUANTILES):
        tokens, values = peaked(template, strength)
        rows.append(_record(feature, vocab, tokens, values, kind="quantile", rank=rank, quantile_bin=bin_))
    for rank, (template, strength) in enumerate(HELD_OUT):
        tokens, values = peaked(template, strength)
        rows.append(_record(feature, vocab, tokens, values, kind="top", rank=20 + rank, held_out=True))
    for rank, sentence in enumerate(RANDOM):
        tokens, _ = _parse(sentence)
        rows.append(_record(feature, vocab, tokens, [0.0] * len(tokens), kind="random", rank=rank))
    ActivationRecord.objects.bulk_create(rows)
    model.d_vocab = len(vocab.words)
    model.save()
    model.set_vocab(vocab.words)
    method = settings.SCORING_METHOD
    debris = Explanation.objects.create(
        feature=feature, text=DEBRIS_EXPLANATION, author_model="demo-explainer", status=Explanation.Status.SCORED,
        score_value=0.3, score_method=method, score_version=scorer_version(method),
        score_pack_version=source.pack_version)
    Campaign.objects.update(active=False)
    Campaign.objects.create(slug="echo", name="Echo", active=True).features.set([feature])
    from django.contrib.auth import get_user_model

    from tests.game.browser_data import PASSWORD

    for name in ECHO_PLAYERS:
        get_user_model().objects.create_user(name, f"{name}@example.com", PASSWORD)
    return {"ref": {"model": model.slug, "source": source.slug, "index": feature.index}, "debris_id": debris.pk}


def _in_site(live: dict, call: str) -> object:
    """Run `call` (an expression on this module's names) in Django against the site's
    database, in a process of its own; its value comes back through JSON."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SQLITE_PATH=str(live["server_log"].parent / "db.sqlite3"), DJANGO_SETTINGS_MODULE="latentpedia.settings")
    code = f"import json, django; django.setup(); from tests.game import test_browser_polish as t; print(json.dumps(t.{call}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def echo(site):  # noqa: F811 (the imported fixture)
    """`add_echo_data` run against the site's database."""
    return {**site, **_in_site(site, "add_echo_data()")}


def set_rival_just_below(explanation_id: int, debris_id: int, gap: float) -> float:
    """Take the explanation away and make the debris explanation the best so far, `gap` below
    its score: the same text, scored again, then beats the best by less than the scorer's noise."""
    from game.models import Explanation
    from game.services.explanations import explanation_delete

    mine = Explanation.objects.select_related("author").get(pk=explanation_id)
    score = mine.score_value
    explanation_delete(mine, by=mine.author)
    Explanation.objects.filter(pk=debris_id).update(score_value=score - gap, score_stderr=None)
    return score


class _Page:
    """A page in a fresh context (the tutorial marked as seen); script errors and CSP
    violations are kept for the end."""

    def __init__(self, chromium, *, phone: bool = False) -> None:
        options = ({"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
                   if phone else {"viewport": {"width": 1280, "height": 800}})
        self.context = chromium.new_context(**options)
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" and "Content Security" in m.text else None)

    def close(self) -> list[str]:
        self.context.close()
        return self.errors


# The text around each row's peak, as a reader compares snippets (play.js folds on the same).
ROW_KEYS = """() => [...document.querySelectorAll('#clues > li.clue, #bins-body li.clue')].map((row) => {
  const toks = [...row.querySelector(':scope > .clue-window .clue-text').children];
  const peak = toks.findIndex((t) => t.classList.contains('top'));
  return toks.slice(Math.max(0, peak - 8), peak + 9).map((t) => t.textContent).join('').replace(/\\s+/g, '').toLowerCase();
})"""

INSIDE_VIEWPORT = """() => {
  const tip = document.getElementById('tok-tip');
  const r = tip.getBoundingClientRect();
  return !tip.hidden && r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth && r.bottom <= window.innerHeight;
}"""


def _open(page, url: str) -> None:
    page.goto(url)
    page.locator("#clues > li.clue").first.wait_for()
    page.wait_for_function("() => !document.querySelector('#puzzle-status .spinner')")


def _assert_rows_distinct_and_weaker_in_order(page) -> None:
    keys = page.evaluate(ROW_KEYS)
    assert len(keys) == len(set(keys)), keys
    # Weaker groups strongest first, and every row in them in descending order too.
    peaks = [float(p) for p in page.locator("#bins-body .bin-title").evaluate_all("ns => ns.map(n => n.dataset.peak)")]
    assert peaks and peaks == sorted(peaks, reverse=True), peaks
    rows = [float(v) for v in page.locator("#bins-body .clue > .clue-meta .clue-max").all_inner_texts()]
    assert rows == sorted(rows, reverse=True), rows
    bins = page.locator("#bins-body").inner_text()
    assert "wolf" not in bins and "dog" not in bins and "% of the strongest clue" in bins


def _tip_value_inside(page, token) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#tok-tip")).to_be_visible()
    assert page.evaluate(INSIDE_VIEWPORT), page.evaluate("document.getElementById('tok-tip').getBoundingClientRect().toJSON()")
    value = float(token.get_attribute("data-value"))
    assert page.locator("#tok-tip").inner_text() == str(round(value, 3)).removesuffix(".0")


def test_on_a_desktop_clues_are_folded_centred_readable_and_shareable(echo, browser):  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = _Page(browser)
    page = w.page
    w.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=echo["url"])
    _open(page, echo["url"] + "/play?feature=" + _feature_path(echo["ref"]))

    # Near-identical snippets are one row, whose pill is a button that opens the others.
    _assert_rows_distinct_and_weaker_in_order(page)
    expect(page.locator("#clues > li.clue")).to_have_count(len(TOP))  # 5 + the debris row - 1 folded
    pill = page.locator("#clues > li.clue").first.locator("button.clue-dups")
    expect(pill).to_have_text("+4 similar")  # its own 2, the folded window and the 1 behind that
    expect(pill).to_have_attribute("aria-expanded", "false")
    pill.click()
    expect(pill).to_have_attribute("aria-expanded", "true")
    similar = page.locator("#clues > li.clue").first.locator(".clue-similar")
    expect(similar.locator(".clue-sub")).to_have_count(1)
    expect(similar.locator(".clue-sub .clue-text")).to_contain_text("QUICK")
    expect(similar).to_contain_text("3 more with the same text")
    page.screenshot(path=str(ARTIFACTS / "polish-desktop-folded-clues.png"))

    # The long row is centred on its peak, with a fade and an arrow at both cut edges.
    row = page.locator("#clues > li.clue", has_text="cat").first
    line = row.locator(".clue-text")
    page.wait_for_function("() => [...document.querySelectorAll('#clues .clue-window')].some(w => w.classList.contains('cut-start') && w.classList.contains('cut-end'))")
    centre = line.evaluate("""l => { const p = l.querySelector('.tok.top').getBoundingClientRect(), b = l.getBoundingClientRect();
      return (p.left + p.right) / 2 - (b.left + b.right) / 2; }""")
    assert abs(centre) < 20, centre
    fades = row.locator(".clue-window").evaluate(
        "w => [getComputedStyle(w, '::before').opacity, getComputedStyle(w, '::after').opacity, getComputedStyle(w, '::after').content]")
    assert fades[:2] == ["1", "1"] and "\u203a" in fades[2], fades
    # A short row is not cut, so it shows no cue.
    short = page.locator("#clues > li.clue", has_text="Horses").locator(".clue-window")
    assert short.evaluate("w => !w.classList.contains('cut-start') && !w.classList.contains('cut-end')")

    # Each value's box lies inside the viewport, even for a word at the window's edge.
    for token in [line.locator(".tok.top"), page.locator("#clues .tok.top").first,
                  page.locator("#bins-body .tok.top").last]:
        token.scroll_into_view_if_needed()
        token.hover()
        _tip_value_inside(page, token)
    page.screenshot(path=str(ARTIFACTS / "polish-desktop-value-box.png"))
    page.mouse.move(0, 0)
    expect(page.locator("#tok-tip")).to_be_hidden()
    # From the keyboard: a focused line shows its peak's value.
    line.focus()
    _tip_value_inside(page, line.locator(".tok.top"))
    line.blur()

    # Debris is shown as marks, in the clue and in the explanation alike.
    debris_row = page.locator("#clues > li.clue", has_text="Birds").locator(".clue-text")
    expect(debris_row).to_have_text("Birds sing\u21b5\u21e5in\u2416 spring\u00b7.")
    explanation = page.locator("#explanations .expl-text").first
    expect(explanation).to_have_text("animals\u2416 doing\u21b5things \ufffd")
    assert "\u0016" not in page.locator("#play").inner_text()
    page.screenshot(path=str(ARTIFACTS / "polish-desktop-debris.png"))

    # Shareable links: the puzzle's, and one per explanation to its row on the feature page.
    page.click("#btn-copy-link")
    expect(page.locator("#toast")).to_contain_text("Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == echo["url"] + "/play?feature=" + _feature_path(echo["ref"])
    link = page.locator("#explanations .expl-link").first
    href = link.get_attribute("href")
    assert href == "/" + _feature_path(echo["ref"]) + f"#explanation-{echo['debris_id']}"

    # Test your own text, in simple mode: an empty text says so and clears the old result.
    assert not page.evaluate("document.body.classList.contains('advanced')")
    page.locator("#test-text summary").click()
    page.fill("#test-input", "The dog barked")
    page.click("#test-run")
    expect(page.locator("#test-out")).not_to_be_empty()
    page.fill("#test-input", "   ")
    page.click("#test-run")
    expect(page.locator("#test-out")).to_have_text("Type some text first.")
    page.screenshot(path=str(ARTIFACTS / "polish-desktop-test-text.png"))

    link.click()
    page.wait_for_url(re.compile(re.escape(href) + "$"))
    expect(page.locator(f"#explanation-{echo['debris_id']}")).to_contain_text("animals")
    assert w.close() == []


def test_on_a_phone_clues_are_readable_the_answer_is_one_scroll_away_and_no_keys_are_hinted(echo, browser):  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = _Page(browser, phone=True)
    page = w.page
    _open(page, echo["url"] + "/play")  # the puzzle API: folded by the server
    expect(page.locator("#puzzle-ref")).to_have_text(_feature_path(echo["ref"]))
    # Phones start with the weaker examples closed: one tap opens them.
    assert not page.locator("#bins").evaluate("d => d.open")
    page.locator("#bins summary").tap()
    _assert_rows_distinct_and_weaker_in_order(page)
    page.locator("#bins summary").tap()

    # No keyboard hints on a touch screen.
    assert page.evaluate("matchMedia('(hover: none)').matches || matchMedia('(pointer: coarse)').matches")
    for hint in page.locator("#play kbd, #play .kbd-hint").all():
        expect(hint).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "polish-phone-no-key-hints.png"))

    # The first three clues, then a button for the rest.
    expect(page.locator("#clues > li.clue:visible")).to_have_count(3)
    expect(page.locator("#more-clues")).to_be_visible()

    # The answer box and the vote list are on screen after at most one screen's scroll.
    def on_screen(selector: str) -> bool:
        return page.locator(selector).evaluate("n => { const r = n.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; }")

    seen = {"#write-text": False, "#explanations": False}
    for scroll in (0, page.evaluate("window.innerHeight")):
        page.evaluate(f"window.scrollTo(0, {scroll})")
        page.wait_for_timeout(100)
        for selector, was in seen.items():
            seen[selector] = was or on_screen(selector)
        if scroll:
            page.screenshot(path=str(ARTIFACTS / "polish-phone-one-scroll.png"))
    assert seen == {"#write-text": True, "#explanations": True}, seen
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#jump-answer").tap()
    page.wait_for_function("() => { const r = document.getElementById('write-text').getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; }")

    # Tapping a word shows its value in a box inside the screen, also at the row's right end.
    page.evaluate("window.scrollTo(0, 0)")
    page.locator("#more-clues").tap()
    expect(page.locator("#clues > li.clue:visible")).to_have_count(len(TOP))
    firing = page.locator("#clues > li.clue > .clue-window .tok.fires")
    for i in range(firing.count()):
        token = firing.nth(i)
        if not token.evaluate("""t => { const r = t.getBoundingClientRect(), b = t.closest('.clue-text').getBoundingClientRect();
            return r.left >= b.left && r.right <= b.right; }"""):
            continue  # scrolled out of its row
        token.scroll_into_view_if_needed()
        token.tap()
        _tip_value_inside(page, token)
    # A word scrolled almost out of its row, at the screen's left edge: the box stays on screen.
    line = page.locator("#clues > li.clue", has_text="cat").locator(".clue-text")
    line.scroll_into_view_if_needed()
    line.evaluate("l => { const p = l.querySelector('.tok.top'); l.scrollLeft = p.offsetLeft + p.offsetWidth - 3; }")
    page.wait_for_timeout(100)
    box, top = line.bounding_box(), line.locator(".tok.top").bounding_box()
    page.touchscreen.tap(box["x"] + 1.5, top["y"] + top["height"] / 2)
    _tip_value_inside(page, line.locator(".tok.top"))
    page.screenshot(path=str(ARTIFACTS / "polish-phone-value-box.png"))
    page.locator("#puzzle-title").tap()
    expect(page.locator("#tok-tip")).to_be_hidden()
    assert w.close() == []


def test_a_negative_score_is_not_shown_as_a_success(echo, browser):  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = _Page(browser)
    page = w.page
    _log_in(page, echo["url"], "reporter")
    _open(page, echo["url"] + "/play?feature=" + _feature_path(echo["ref"]))
    page.fill("#write-text", NEGATIVE_EXPLANATION)
    page.click("#btn-submit")
    card = page.locator("#submission")
    expect(card).to_have_attribute("data-state", "queued")
    expect(page.locator("#submission-status")).to_contain_text("Queued for scoring")
    expect(card).to_have_attribute("data-state", "scored", timeout=120_000)
    score = float(page.locator("#score-value").inner_text())
    assert score < 0, f"the scorer gave {score}: the explanation no longer scores below 0"
    # One state at a time, and not the colours of success.
    expect(page.locator("#submission-status")).to_have_text("Scored.")
    expect(card).to_have_attribute("data-tone", "warn")
    assert "notice-good" not in card.get_attribute("class")
    assert card.evaluate("n => getComputedStyle(n).backgroundColor") != "rgb(227, 246, 236)"  # --good-soft
    expect(page.locator("#celebrate")).to_have_count(0)
    expect(page.locator("#score-verdict")).to_contain_text("new best")  # and why it is none
    page.screenshot(path=str(ARTIFACTS / "polish-negative-score.png"))
    assert w.close() == []



def _submit_and_wait_scored(page) -> None:
    from playwright.sync_api import expect

    card = page.locator("#submission")
    # A score of text the warm scorer has just read can land before the queued state is polled;
    # the queued state itself is checked where a test is about it.
    expect(card).to_have_attribute("data-state", re.compile(r"^(queued|scored)$"))
    expect(card).to_have_attribute("data-state", "scored", timeout=120_000)


def test_play_end_to_end_from_the_keyboard_with_strength_shown_beyond_colour(echo, browser):  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = _Page(browser)
    page = w.page
    _log_in(page, echo["url"], "keyboard")
    _open(page, echo["url"] + "/play")
    # A first visit opens the tutorial; Escape puts it away, for good.
    expect(page.locator("#tutorial")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#tutorial")).to_be_hidden()

    # Tab reaches the clues; the arrow keys read the values of the words that fire.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#clues .clue-text')"):
            break
    else:
        raise AssertionError("Tab never reached a clue")
    line = page.locator("#clues .clue-text:focus")
    label = line.get_attribute("aria-label")
    assert label.startswith("Text snippet; strongest on \u201c") and re.search(r"\d", label), label
    page.keyboard.press("ArrowRight")
    _tip_value_inside(page, line.locator(".tok[data-value]").first)

    # Strength is not told by colour alone: the underline thickens with it.
    widths = page.locator("#clues .tok.fires").evaluate_all(
        "ns => ns.map(n => [Number(getComputedStyle(n).getPropertyValue('--a')), getComputedStyle(n).boxShadow])")
    weak, strong = min(widths), max(widths)
    assert weak[0] < strong[0] and weak[1] != strong[1], widths

    # "e" goes to the answer; Ctrl+Enter sends it; the score arrives in the card.
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "write-text"
    page.keyboard.type("animals and what they do")
    page.keyboard.press("Control+Enter")
    _submit_and_wait_scored(page)
    page.screenshot(path=str(ARTIFACTS / "keyboard-scored.png"))

    # Escape leaves the text box; "1" votes for the first explanation, confirmed from the keyboard.
    page.keyboard.press("Escape")
    page.keyboard.press("1")
    expect(page.locator("#vote-dialog")).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "vote-confirm"
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text("Vote counted")
    page.screenshot(path=str(ARTIFACTS / "keyboard-voted.png"))
    assert w.close() == []


def test_a_gain_within_the_scorers_noise_says_why_it_is_not_a_new_best(echo, browser):  # noqa: F811
    from playwright.sync_api import expect

    from game.services.points import NEW_BEST_MARGIN, NEW_BEST_MIN_SCORE

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = echo["url"] + "/play?feature=" + _feature_path(echo["ref"])
    w = _Page(browser)
    page = w.page
    _log_in(page, echo["url"], "ahead")
    _open(page, url)
    page.fill("#write-text", ANIMALS_EXPLANATION)
    page.click("#btn-submit")
    _submit_and_wait_scored(page)
    mine = int(page.locator("#explanations li.mine").get_attribute("data-id"))
    w.close()

    gap = NEW_BEST_MARGIN / 2
    score = _in_site(echo, f"set_rival_just_below({mine}, {echo['debris_id']}, {gap})")
    assert score >= NEW_BEST_MIN_SCORE + gap, f"the scorer gave {score}: too low to be a best at all"

    w = _Page(browser)
    page = w.page
    _log_in(page, echo["url"], "behind")
    _open(page, url)
    page.fill("#write-text", ANIMALS_EXPLANATION)
    page.click("#btn-submit")
    _submit_and_wait_scored(page)
    card = page.locator("#submission")
    assert abs(float(page.locator("#score-value").inner_text()) - score) < 1e-3
    expect(page.locator("#submission-status")).to_have_text("Scored.")
    expect(card).to_have_attribute("data-tone", "neutral")
    expect(page.locator("#celebrate")).to_have_count(0)
    verdict = page.locator("#score-verdict")
    expect(verdict).to_contain_text("above the best so far")
    expect(verdict).to_contain_text("the scorer's noise")
    expect(verdict).to_contain_text("does not count as a new best")
    page.screenshot(path=str(ARTIFACTS / "polish-within-noise.png"))
    assert w.close() == []


def test_a_score_that_finished_while_away_is_told_once_on_the_next_visit(echo, browser):  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    w = _Page(browser)
    page = w.page
    _log_in(page, echo["url"], "away")
    page.goto(echo["url"] + "/leaderboard")
    # A returning player: the tutorial is behind them.
    assert page.evaluate("LP.setPref('onboarded', true).then(r => r.ok)")
    # Sent from another page, and scored while the player is not on the play page.
    ref = echo["ref"]
    sent = page.evaluate("(body) => LP.api('POST', '/api/explanations', body)", {**ref, "text": "creatures moving about outdoors"})
    assert sent["status"] == 201, sent
    explanation_id = sent["data"]["id"]
    for _ in range(240):
        status = page.evaluate("(id) => LP.api('GET', '/api/explanations/' + id).then(r => r.data.status)", explanation_id)
        if status in ("scored", "failed"):
            break
        page.wait_for_timeout(500)
    assert status == "scored", status

    _open(page, echo["url"] + "/play")
    news = page.locator("#away-results")
    expect(news).to_be_visible()
    item = news.locator(f".away-item[data-id='{explanation_id}']")
    expect(item).to_contain_text("\u201ccreatures moving about outdoors\u201d")
    expect(item).to_contain_text("scored ")
    expect(item.locator("a")).to_have_attribute("href", "/" + _feature_path(ref) + f"#explanation-{explanation_id}")
    page.screenshot(path=str(ARTIFACTS / "polish-results-while-away.png"))
    page.click("#away-close")
    expect(news).to_be_hidden()

    # Told once: the mark has moved, and the next visit says nothing.
    for _ in range(40):
        if page.evaluate("LP.api('GET', '/api/me/results').then(r => r.data.results.length)") == 0:
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError("the results were not marked as seen")
    _open(page, echo["url"] + "/play")
    page.wait_for_load_state("networkidle")
    expect(news).to_be_hidden()
    assert w.close() == []
