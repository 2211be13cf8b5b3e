"""The three ways to play, in a real browser (Debian's chromium through Playwright) against
`manage.py serve`, as one logged-in player: Explain (vote on a puzzle), Predict (mark where
the feature fires in unseen snippets, from its explanation alone) and This or that (pick the
better of two explanations). Every page runs under the strict Content-Security-Policy, so a
violation, or any script error, shows in the console and fails the test.

The data are the browser tests' (`tests/game/browser_data.py`) plus unseen snippets for the
`animals` feature (`add_modes_data`): three name an animal, three do not. Screenshots go to
tests/artifacts/screenshots/. A quick test without the browser checks the pages' markup.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid

import pytest

from tests.game.test_browser import _feature_path, _log_in, browser  # noqa: F401 (a fixture)
from tests.latentpedia.test_csp import (
    REPORT_VIOLATIONS,
    _inline_code,
    assert_strict_policy,
)
from tests.servers import ROOT, free_port, stop, wait_listening

SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"
PLAYER = "predictor"
ANIMALS = {"fox", "owl", "sheep", "donkey"}
FIRING = [
    ("A red {fox} crossed the road .", 0.9),
    ("The {owl} called twice in the dark .", 0.85),
    ("Two {sheep} and a {donkey} grazed by the river .", 0.8),
]
QUIET = [
    "The kettle boiled while we talked .",
    "She folded the letter in half .",
    "Rain is expected on Sunday .",
]


def add_modes_data() -> None:
    """Unseen snippets for `animals` (the words in braces fire) and the player."""
    from django.contrib.auth import get_user_model

    from game.models import ActivationRecord, Feature, LanguageModel
    from tests.game.browser_data import PASSWORD, _parse, _record, _Vocab

    model = LanguageModel.objects.get(slug="demo")
    vocab = _Vocab()
    vocab.words = model.vocab
    vocab.ids = {w: i for i, w in enumerate(vocab.words)}
    feature = Feature.objects.get(source__model=model, index=12)
    rows = []
    for rank, (template, strength) in enumerate(FIRING):
        tokens, marks = _parse(template)
        rows.append(_record(feature, vocab, tokens, [feature.max_activation * strength * m for m in marks],
                            kind=ActivationRecord.Kind.TOP, rank=20 + rank, unseen=True))
    for rank, sentence in enumerate(QUIET):
        tokens, _ = _parse(sentence)
        rows.append(_record(feature, vocab, tokens, [0.0] * len(tokens), kind=ActivationRecord.Kind.RANDOM,
                            rank=20 + rank, unseen=True))
    ActivationRecord.objects.bulk_create(rows)
    model.d_vocab = len(vocab.words)
    model.save(update_fields=["d_vocab"])
    model.set_vocab(vocab.words)
    get_user_model().objects.create_user(PLAYER, f"{PLAYER}@example.com", PASSWORD)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site as scripts/start runs it (DEBUG off, the worker inside, in-memory channels)."""
    tmp = tmp_path_factory.mktemp("modes-site")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}}
    env.update(
        SQLITE_PATH=str(tmp / "db.sqlite3"), DJANGO_SETTINGS_MODULE="latentpedia.settings",
        STATIC_ROOT=str(tmp / "static"), PYTHONUNBUFFERED="1",
        CHANNEL_PREFIX=f"lp-modes-{uuid.uuid4().hex[:8]}", CACHE_PREFIX=f"lp-modes-{uuid.uuid4().hex[:8]}",
    )
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], **run)
    refs = json.loads(subprocess.run([sys.executable, "-m", "tests.game.browser_data"], **run).stdout.strip().splitlines()[-1])
    subprocess.run([sys.executable, "-c", ("import django; django.setup(); "
                                           "from tests.game.test_browser_modes import add_modes_data; add_modes_data()")],
                   **run)
    port = free_port()
    log = tmp / "server.log"
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_listening(port, server, log=log)
        yield {"url": f"http://127.0.0.1:{port}", "refs": refs}
    finally:
        stop([server], show_output=False)


class _Watched:
    """A browser context whose console errors and page errors are kept for the end."""

    def __init__(self, chromium, width: int = 1280, height: int = 800) -> None:
        self.context = chromium.new_context(viewport={"width": width, "height": height})
        self.context.add_init_script(REPORT_VIOLATIONS)  # also marks the tutorial as seen
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.errors: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        # "Nothing to do" is a 404 from the API, which the browser logs; the page shows it as a message.
        if "status of 404" in message.text and re.search(r"/api/(simulate|compare)/next$", url):
            return
        self.errors.append(f"{message.text} ({url})")

    def close(self) -> list[str]:
        self.page.wait_for_timeout(150)  # console events still on their way
        self.context.close()
        return self.errors


def _mark_where_it_fires(page) -> int:
    """Mark every animal word: the first by keyboard (arrows and Space), the rest by clicking."""
    marked = 0
    for line in page.locator("#snippets .snippet-line").all():
        words = [t.strip() for t in line.locator(".mark").all_inner_texts()]
        for pos, word in enumerate(words):
            if word not in ANIMALS:
                continue
            if marked == 0:
                line.locator(".mark").first.focus()
                for _ in range(pos):
                    page.keyboard.press("ArrowRight")
                page.keyboard.press("Space")
            else:
                line.locator(".mark").nth(pos).click()
            assert line.locator(".mark").nth(pos).get_attribute("aria-pressed") == "true"
            marked += 1
    return marked


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/predict", "/compare"])
def test_the_mode_pages_need_no_inline_code_logged_in_or_out(client, path):
    from tests.factories import make_user

    for logged_in in (False, True):
        if logged_in:
            client.force_login(make_user())
        response = client.get(path)
        assert response.status_code == 200
        assert_strict_policy(response.get("Content-Security-Policy"))
        html = response.content.decode()
        assert _inline_code(html) == []
        assert ('id="login-prompt"' in html) is not logged_in


@pytest.mark.browser
@pytest.mark.slow
def test_a_player_plays_each_mode_once(site, browser):  # noqa: F811 (the imported fixture)
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    url = site["url"]
    w = _Watched(browser)
    page = w.page

    # Logged out, the modes ask for an account and bring the player back.
    page.goto(url + "/predict")
    expect(page.locator("#login-prompt a", has_text="Log in")).to_have_attribute("href", "/accounts/login/?next=%2Fpredict")
    page.goto(url + "/compare")
    expect(page.locator("#login-prompt a", has_text="Sign up")).to_have_attribute("href", "/accounts/signup/?next=%2Fcompare")

    # Explain: a puzzle loads and the player votes (the first vote asks for confirmation).
    _log_in(page, url, PLAYER)
    page.goto(url + "/?feature=" + _feature_path(site["refs"]["animals"]))
    expect(page.locator(".modes a[aria-current=page]")).to_have_text("Explain")
    expect(page.locator("#explanations")).to_contain_text("names of animals")
    expect(page.locator("#clues .clue").first).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "explain-desktop.png"))
    page.locator("#explanations .expl", has_text="names of animals").locator(".vote-btn").click()
    page.click("#vote-confirm")
    expect(page.locator("#toast")).to_contain_text("Vote counted")
    page.wait_for_function("() => !document.querySelector('#puzzle-status .spinner')")

    # Predict: one explanation, no clues; mark the animals, check, see how well that predicted.
    page.locator(".modes a", has_text="Predict").click()
    page.wait_for_url(re.compile(r"/predict$"))
    expect(page.locator("#predict-explanation")).to_have_text(re.compile("animals"))
    expect(page.locator("#snippets .snippet")).to_have_count(len(FIRING) + len(QUIET))
    assert _mark_where_it_fires(page) == 4
    page.click("#predict-check")
    expect(page.locator("#predict-points")).to_have_text("+5 points")
    # Not exactly 1: the feature fires more strongly on some animals than on others.
    assert float(page.locator("#predict-correlation").inner_text()) > 0.95
    expect(page.locator("#predict-human")).to_contain_text("from 1 player.")
    expect(page.locator("#snippets .snippet.fired")).to_have_count(len(FIRING))
    expect(page.locator("#snippets .verdict-bad")).to_have_count(0)
    expect(page.locator("#predict-next")).to_be_focused()
    page.screenshot(path=str(SCREENSHOTS / "predict-desktop.png"), full_page=True)

    # This or that: the clues shaded as on the play page, a pick by key, the ratings.
    page.locator(".modes a", has_text="This or that").click()
    page.wait_for_url(re.compile(r"/compare$"))
    top = page.locator("#compare-clues .clue-text .tok.top").first
    expect(top).to_have_attribute("title", re.compile(r"activation \d"))
    assert float(top.evaluate("n => getComputedStyle(n).getPropertyValue('--a')")) > 0.9
    expect(page.locator("#left-text")).not_to_be_empty()
    texts = {page.locator("#left-text").inner_text(), page.locator("#right-text").inner_text()}
    assert texts == {"names of animals", "pets and farm animals"}
    page.keyboard.press("2")
    ratings = page.locator("#compare-ratings")
    expect(ratings).to_contain_text("you picked B")
    expect(ratings.locator("li")).to_have_count(2)
    for item in ratings.locator("li").all():
        expect(item).to_contain_text(re.compile(r"rating [+\u2212]?\d+\.\d\d \u00b1 \d+\.\d\d \(1 comparison\)"))
    expect(page.locator("#pick-right")).to_have_class(re.compile(r"\bchosen\b"))
    page.screenshot(path=str(SCREENSHOTS / "compare-desktop.png"), full_page=True)
    # The only pair is judged: the next one is the API's message, not an error.
    page.click("#compare-next")
    expect(page.locator("#compare-empty")).to_contain_text("no pair to compare")

    # Streak and board: playing today counts, and the prediction's points are on the Predict board.
    page.goto(url + "/profile")
    expect(page.locator("#stat-streak")).to_have_text("1 day in a row (best 1)")
    expect(page.locator("#stat-skill")).to_have_text("no check puzzles answered yet")
    expect(page.locator("#stat-rank")).to_have_text("#1")
    page.screenshot(path=str(SCREENSHOTS / "profile-desktop.png"))
    page.goto(url + "/leaderboard?period=all")
    page.click("#tab-mode-simulate")
    expect(page.locator("tr.me td.num").last).to_have_text("5")
    assert "mode=simulate" in page.url
    page.screenshot(path=str(SCREENSHOTS / "leaderboard-desktop.png"))
    assert w.close() == []

    # Predict on a phone: the next task's tokens wrap, nothing scrolls sideways.
    phone = _Watched(browser, width=390, height=844)
    _log_in(phone.page, url, PLAYER)
    phone.page.goto(url + "/predict")
    expect(phone.page.locator("#snippets .snippet").first).to_be_visible()
    assert phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.page.screenshot(path=str(SCREENSHOTS / "predict-mobile.png"), full_page=True)
    assert phone.close() == []
