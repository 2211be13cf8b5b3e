"""axe-core, in Debian's chromium, on the pages players and researchers use, each with real
content and checked whole: no serious or critical violation.

The site is the browser tests' (`tests/game/test_browser.py`): a real server on a seeded
database. A player signs up and writes an explanation first, so that the profile, the
leaderboard and the front page have something of theirs to show.
"""

from __future__ import annotations

import re

import pytest

from tests.game.test_browser import ARTIFACTS, _feature_path, _new_page, browser, site  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SERIOUS = {"serious", "critical"}


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"] if v["impact"] in SERIOUS
    ]


def check(page, name: str, found: dict[str, list[str]]) -> None:
    """Every page is checked before the test fails, so one run lists them all."""
    page.screenshot(path=str(ARTIFACTS / f"a11y-{name}.png"), full_page=True)
    violations = serious_violations(page)
    if violations:
        found[name] = violations


def test_the_main_pages_have_no_serious_accessibility_violations(site, browser):  # noqa: F811
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, _, errors = _new_page(browser)
    page.add_init_script("localStorage.setItem('lp.tutorialDone', '1'); localStorage.setItem('lp.hideExplicit', '0')")
    fruit = _feature_path(site["refs"]["fruit"])
    found: dict[str, list[str]] = {}

    # A player with an explanation of their own (scored), so every page has content.
    page.goto(site["url"] + "/accounts/signup/")
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=password1]", "a-long-passphrase-42")
    page.fill("input[name=password2]", "a-long-passphrase-42")
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/play"))
    page.goto(site["url"] + "/play?feature=" + fruit)
    expect(page.locator("#clues .clue").first).to_be_visible()
    page.fill("#write-text", "pieces of fruit such as bananas")
    page.click("#btn-submit")
    expect(page.locator("#score-value")).to_be_visible(timeout=90_000)

    page.goto(site["url"] + "/")
    expect(page.locator("#home-progress")).to_be_visible()
    check(page, "front", found)

    page.goto(site["url"] + "/play?feature=" + fruit)
    expect(page.locator("#clues .clue").first).to_be_visible()
    expect(page.locator("#explanations .expl").first).to_be_visible()
    check(page, "play", found)

    page.goto(site["url"] + "/" + fruit)
    expect(page.locator("h1")).to_be_visible()
    check(page, "feature", found)

    page.goto(site["url"] + "/leaderboard?period=all")
    expect(page.locator("tr.me")).to_contain_text("grace")
    check(page, "leaderboard", found)

    page.goto(site["url"] + "/profile")
    expect(page.locator("table")).to_contain_text("bananas")
    check(page, "profile", found)

    # (Searching all features runs a real model: tests/research/test_browser.py does that; this
    # site's seeded features have none, so the page is filled by an explanation search.)
    page.goto(site["url"] + "/search")
    page.fill("#expl-q", "fruit")
    page.click("#expl-submit")
    expect(page.locator("#expl-list li").first).to_be_visible()
    check(page, "search", found)

    assert found == {}, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)
    assert errors == []
    context.close()
