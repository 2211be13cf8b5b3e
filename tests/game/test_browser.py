"""The game in a real browser (Debian's chromium through Playwright), against a real ASGI
server (daphne, so websockets work) on a scratch SQLite database seeded by
`tests/game/browser_data.py`.

Without REDIS_URL the site runs as `scripts/start` runs it: `manage.py serve`, one process
with the job worker inside, on the in-memory channel layer. With REDIS_URL the server and a
separate `run_worker` process share a Redis channel layer, as at scale. Either way the score
must arrive over the websocket, without a reload.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.servers import free_port, stop, wait_listening

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A running site: {url, refs (feature addresses), logs}."""
    tmp = tmp_path_factory.mktemp("browser-site")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        SQLITE_PATH=str(tmp / "db.sqlite3"), DJANGO_SETTINGS_MODULE="latentpedia.settings",
        STATIC_ROOT=str(tmp / "static"),
        CHANNEL_PREFIX=f"lp-browser-{uuid.uuid4().hex[:8]}", CACHE_PREFIX=f"lp-browser-{uuid.uuid4().hex[:8]}",
        PYTHONUNBUFFERED="1",
    )
    run = dict(cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    env.pop("DEBUG", None)  # as scripts/start runs it: DEBUG off, static files by whitenoise
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], **run)
    refs = json.loads(subprocess.run([sys.executable, "-m", "tests.game.browser_data"], **run).stdout.strip().splitlines()[-1])
    port = free_port()
    server_log, worker_log = tmp / "server.log", tmp / "worker.log"
    separate_worker = bool(env.get("REDIS_URL"))
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--noreload", f"127.0.0.1:{port}"]
        + (["--no-worker"] if separate_worker else []),
        cwd=ROOT, env=env, stdout=server_log.open("w"), stderr=subprocess.STDOUT,
    )
    procs = [server]
    if separate_worker:
        procs.insert(0, subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--poll", "0.2"],
            cwd=ROOT, env=env, stdout=worker_log.open("w"), stderr=subprocess.STDOUT,
        ))
    try:
        wait_listening(port, server, log=server_log)
        yield {"url": f"http://127.0.0.1:{port}", "refs": refs,
               "worker_log": worker_log, "server_log": server_log}
    finally:
        stop(procs, show_output=False)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # The site scores in the same process; on a loaded 2-core CI machine 5 s is too tight.
    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


def _new_page(browser, width=1280, height=800):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    dialogs: list[str] = []
    errors: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, dialogs, errors


def _feature_path(ref: dict) -> str:
    return f"{ref['model']}/{ref['source']}/{ref['index']}"


def test_a_player_plays_a_whole_session_from_tutorial_to_leaderboard(site, browser):
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, dialogs, errors = _new_page(browser)

    # First visit: the tutorial (the three modes on its fourth step), ending with the
    # explicit-content question.
    page.goto(site["url"] + "/play")
    tutorial = page.locator("#tutorial")
    expect(tutorial).to_be_visible()
    for _ in range(3):
        page.click("#tutorial-next")
    expect(page.locator("#tutorial [data-step='4']")).to_contain_text("Three ways to play")
    page.click("#tutorial-next")
    page.click("#tutorial [data-explicit='0']")
    expect(tutorial).to_be_hidden()
    assert page.evaluate("localStorage.getItem('lp.hideExplicit')") == "0"

    # The first puzzle, anonymously: clues shaded, the strongest token scrolled into view.
    expect(page.locator("#clues .clue").first).to_be_visible()
    first_line = page.locator("#clues .clue-text").first
    top = first_line.locator(".tok.top")
    expect(top).to_have_attribute("title", re.compile(r"activation \d"))
    page.wait_for_function("() => document.querySelector('#clues .clue-text').scrollLeft > 0")
    line_box, top_box = first_line.bounding_box(), top.bounding_box()
    assert line_box["x"] <= top_box["x"] and top_box["x"] + top_box["width"] <= line_box["x"] + line_box["width"]
    expect(page.locator(".clue-dups").first).to_have_text("+3 similar")
    expect(page.locator("#bins")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "puzzle-desktop.png"))
    with_mobile = browser.new_context(viewport={"width": 390, "height": 844})
    mobile = with_mobile.new_page()
    mobile.add_init_script("localStorage.setItem('lp.tutorialDone', '1')")
    mobile.goto(site["url"] + "/?feature=" + _feature_path(site["refs"]["fruit"]))
    mobile.locator("#clues .clue").first.wait_for()
    mobile.wait_for_timeout(200)
    mobile.screenshot(path=str(ARTIFACTS / "puzzle-mobile.png"), full_page=False)
    with_mobile.close()

    # Writing before login keeps the text through signup, which then submits it.
    text = "fruit, especially bananas and apples"
    page.fill("#write-text", text)
    expect(page.locator("#write-counter")).to_have_text(f"{len(text)} / 500")
    page.click("#btn-submit")
    page.wait_for_url(re.compile(r"/accounts/signup/"))
    expect(page.locator("#pending-note")).to_contain_text(text)
    page.screenshot(path=str(ARTIFACTS / "signup.png"))
    page.fill("input[name=email]", "ada@example.com")
    page.fill("input[name=username]", "ada")
    page.fill("input[name=password1]", "a-long-passphrase-42")
    page.fill("input[name=password2]", "a-long-passphrase-42")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/play\?feature=" + re.escape(_feature_path(site["refs"]["fruit"]))))
    expect(page.locator("#submission-status")).to_contain_text("Queued for scoring")
    expect(page.locator("#explanations .expl.mine")).to_contain_text(text)

    # The score arrives without a reload, and beating the (absent) best is celebrated.
    page.evaluate("window.__noReload = 'still here'")
    expect(page.locator("#score-value")).to_be_visible(timeout=90_000)
    assert page.evaluate("window.__noReload") == "still here"
    expect(page.locator("#celebrate")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "score-arrived.png"))
    # (That score may come by the socket or, if it was scored before the page's socket
    # opened after the login redirect, by polling; the next one must come by the socket.)

    # The next puzzle: a first vote asks for confirmation.
    page.click("#btn-skip")
    expect(page.locator("#explanations")).to_contain_text("names of animals")
    page.locator("#explanations .vote-btn").first.click()
    expect(page.locator("#vote-dialog")).to_be_visible()
    expect(page.locator("#vote-dialog-text")).to_have_text("names of animals")
    page.click("#vote-confirm")
    expect(page.locator("#toast")).to_contain_text("Vote counted")
    # A vote moves on to the next puzzle; typing before it has rendered would be wiped by it.
    page.wait_for_function("() => !document.querySelector('#puzzle-status .spinner')")

    # With the socket open, a new explanation's score arrives over the websocket.
    page.wait_for_function("() => document.body.dataset.socket === 'open'")
    page.fill("#write-text", "words that name animals, like cat and dog")
    page.click("#btn-submit")
    expect(page.locator("#submission")).to_contain_text("Queued for scoring")
    expect(page.locator("#score-value")).to_be_visible(timeout=60_000)
    expect(page.locator("#submission")).to_have_attribute("data-via", "socket")

    # The profile lists the explanation and the vote, which can be taken back.
    page.goto(site["url"] + "/profile")
    expect(page.locator("table")).to_contain_text(text)
    vote_item = page.locator("[data-vote]").filter(has_text="names of animals")
    expect(vote_item).to_have_count(1)
    vote_item.locator(".unvote-btn").click()
    expect(page.locator("#toast")).to_contain_text("Vote taken back")
    page.screenshot(path=str(ARTIFACTS / "profile.png"), full_page=True)
    page.reload()
    expect(page.locator("[data-vote]").filter(has_text="names of animals")).to_have_count(0)

    # The leaderboard shows the player, with the points of a new best explanation.
    page.goto(site["url"] + "/leaderboard?period=all")
    expect(page.locator("tr.me")).to_contain_text("ada")
    page.screenshot(path=str(ARTIFACTS / "leaderboard.png"))

    assert dialogs == []
    assert errors == []
    context.close()


def test_css_and_js_load_without_debug_and_unknown_pages_get_the_sites_404(site, browser):
    """The site runs with DEBUG off, as scripts/start runs it: whitenoise serves static files."""
    context, page, dialogs, errors = _new_page(browser)
    static = {}
    page.on("response", lambda r: static.__setitem__(r.url, r.status) if "/static/" in r.url else None)
    page.goto(site["url"] + "/play")
    page.wait_for_load_state("load")
    assert any(u.endswith("/static/css/site.css") for u in static) and any(u.endswith(".js") for u in static), static
    assert set(static.values()) == {200}, static
    assert page.evaluate(
        "[...document.styleSheets].some(s => (s.href || '').includes('/static/css/site.css') && s.cssRules.length > 0)")
    response = page.goto(site["url"] + "/no-such-page")
    assert response.status == 404
    assert "Page not found" in page.locator("main h1").inner_text()
    assert not errors
    context.close()


def test_hostile_text_in_clues_and_explanations_renders_as_plain_text(site, browser):
    from playwright.sync_api import expect

    from tests.game.browser_data import HOSTILE_EXPLANATION, HOSTILE_SCRIPT

    context, page, dialogs, errors = _new_page(browser)
    page.add_init_script("localStorage.setItem('lp.tutorialDone', '1'); localStorage.setItem('lp.advanced', '1')")
    page.goto(site["url"] + "/?feature=" + _feature_path(site["refs"]["hostile"]))
    line = page.locator("#clues .clue-text").first
    expect(line).to_be_visible()

    tokens = line.locator(".tok")
    assert tokens.evaluate_all("ns => ns.map(n => n.textContent)")[3] == HOSTILE_SCRIPT
    expect(line).to_contain_text(HOSTILE_SCRIPT)
    expect(line).to_contain_text(" &amp;")
    expect(line).to_contain_text("\u05e9\u05dc\u05d5\u05dd")
    expect(page.locator("#explanations .expl-text").first).to_have_text(HOSTILE_EXPLANATION)
    # No element came out of the data: no script, image or bold tag inside the puzzle.
    assert page.locator("#play script, #play img, #play b").count() == 0
    # Each token is isolated, so the right-to-left override cannot flip the rest of the line.
    assert tokens.evaluate_all("ns => ns.every(n => n.tagName === 'BDI' && getComputedStyle(n).unicodeBidi === 'isolate')")
    order = tokens.evaluate_all("ns => ns.map(n => n.getBoundingClientRect().left)")
    assert order == sorted(order)
    # The zero-width token keeps a visible box instead of collapsing.
    assert tokens.nth(6).evaluate("n => n.classList.contains('empty') && n.getBoundingClientRect().width > 0")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "hostile-text.png"))
    assert dialogs == []
    assert errors == []
    context.close()


def _log_in(page, url: str, username: str) -> None:
    from tests.game.browser_data import PASSWORD

    page.goto(url + "/accounts/login/")
    page.fill("input[name=login]", f"{username}@example.com")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    assert "/accounts/login" not in page.url, "the login did not go through"


def test_the_moderators_path_report_action_audit(site, browser):
    """A player reports a spam explanation from the puzzle; a moderator hides it from the queue
    with a reason, and the audit log shows who did what and why."""
    from playwright.sync_api import expect

    from tests.game.browser_data import SPAM_EXPLANATION

    context, page, dialogs, errors = _new_page(browser)
    page.add_init_script("localStorage.setItem('lp.tutorialDone', '1'); localStorage.setItem('lp.voted', '1')")
    _log_in(page, site["url"], "reporter")
    page.goto(site["url"] + "/?feature=" + _feature_path(site["refs"]["weather"]))
    item = page.locator("#explanations .expl", has_text=SPAM_EXPLANATION)
    expect(item).to_be_visible()
    item.locator(".report-btn").click()
    expect(page.locator("#report-dialog")).to_be_visible()
    page.check("#report-dialog input[value=spam]")
    page.fill("#report-dialog input[name=note]", "an advert for watches")
    page.screenshot(path=str(ARTIFACTS / "moderation-report.png"))
    page.click("#report-send")
    expect(page.locator("#toast")).to_contain_text("moderators will look")
    # Players cannot open the queue.
    assert page.goto(site["url"] + "/moderation").status == 403
    context.close()

    context, page, dialogs, errors = _new_page(browser)
    _log_in(page, site["url"], "moderator")
    page.goto(site["url"] + "/moderation")
    case = page.locator("article.case", has_text=SPAM_EXPLANATION)
    expect(case).to_contain_text("reporter")
    expect(case).to_contain_text("an advert for watches")
    page.screenshot(path=str(ARTIFACTS / "moderation-queue.png"), full_page=True)
    case.locator("input[name=reason]").first.fill("advertising, not an explanation")
    case.locator("button[value=hide]").click()
    expect(page.locator(".messages")).to_contain_text("Done")
    entry = page.locator("tr.audit-entry[data-action=hide]").first
    expect(entry).to_contain_text("moderator")
    expect(entry).to_contain_text("advertising, not an explanation")
    page.screenshot(path=str(ARTIFACTS / "moderation-audit.png"), full_page=True)
    # The hidden explanation has left the puzzle.
    page.goto(site["url"] + "/?feature=" + _feature_path(site["refs"]["weather"]))
    expect(page.locator("#explanations")).not_to_contain_text(SPAM_EXPLANATION)
    assert errors == []
    context.close()
