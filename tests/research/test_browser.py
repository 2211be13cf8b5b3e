"""The research pages in a real browser (Debian's chromium through Playwright, as in
tests/game/test_browser.py) against pytest-django's live server, in this process, so the
inference tests' tiny model answers /api/search/all and /api/activation/test. Every page runs
under the strict Content-Security-Policy: a violation or a script error fails the test.
Screenshots go to tests/artifacts/, beside the game's."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import override_settings

from game.models import Explanation, Feature, Source
from inference_client.engine import InferenceEngine
from tests.game.test_browser import ARTIFACTS, browser  # noqa: F401 (a fixture)
from tests.inference.model_pack import MODEL_SLUG
from tests.latentpedia.test_csp import REPORT_VIOLATIONS

pytestmark = [pytest.mark.browser]
TEXT = "the cat sat on the mat"


@pytest.fixture(scope="module")
def orm_beside_playwright():
    # Playwright's sync API keeps an event loop running in this thread, and Django then refuses
    # ORM calls here (the test's own rows and the database flush afterwards). They are plain
    # synchronous calls made between page actions, so the guard has nothing to protect.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


def test_searching_by_text_and_testing_a_text_on_a_feature_page(orm_beside_playwright, browser,  # noqa: F811
                                                                live_server, local_engine: InferenceEngine,
                                                                catalogue) -> None:
    from playwright.sync_api import expect

    top = local_engine.search_all(TEXT, ["0-res-std"], None, 3)["results"][0]
    feature = Feature.objects.create(source=Source.objects.get(model__slug=MODEL_SLUG, slug=top["source"]),
                                     index=top["index"], max_activation=top["max_value"])
    Explanation.objects.create(feature=feature, text="cats <b>and</b> mats", author_model="baseline")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    with override_settings(INFERENCE_URL="", INFERENCE_RATE_LIMIT=(10_000, 60)):
        # Search all features: results listed, strongest first, each linked and shaded.
        page.goto(live_server.url + "/search")
        expect(page).to_have_title("Search · Latentpedia")
        page.check(f"#all-sources input[value='{top['source']}']")
        page.fill("#all-text", TEXT)
        page.click("#all-submit")
        results = page.locator("#all-list .search-result")
        expect(results.first).to_be_visible()
        first = results.first
        expect(first.locator("a.result-link")).to_have_attribute("href", f"/{MODEL_SLUG}/{top['source']}/{top['index']}")
        expect(first.locator(".result-expl")).to_have_text("cats <b>and</b> mats")  # as text, not markup
        assert first.locator(".tok").count() == page.locator("#sort-token-list .mark").count() > 0
        assert float(first.locator(".tok.top").evaluate("n => n.style.getPropertyValue('--a')")) > 0

        # Sort by a token: the search runs again, ranked by it.
        page.locator("#sort-token-list .mark").nth(1).click()
        expect(page.locator("#sort-token-list .mark").nth(1)).to_have_attribute("aria-pressed", "true")
        expect(page.locator("#all-status")).to_contain_text("ranked by token 2")
        expect(results.first.locator(".tok.chosen")).to_have_count(1)
        page.screenshot(path=str(ARTIFACTS / "research-search.png"), full_page=True)

        # No text: nothing sent, the old results cleared.
        page.fill("#all-text", "   ")
        page.click("#all-submit")
        expect(page.locator("#all-status")).to_have_text("Type some text first")
        expect(results).to_have_count(0)

        # Search explanations: the hit links to its feature page.
        page.fill("#expl-q", "mats")
        page.click("#expl-submit")
        hit = page.locator("#expl-list .expl-hit")
        expect(hit).to_have_count(1)
        hit.locator("a.result-link").click()

        # The feature page: test a text, see its tokens shaded and the max value.
        expect(page).to_have_url(f"{live_server.url}/{MODEL_SLUG}/{top['source']}/{top['index']}")
        page.wait_for_load_state()  # the URL changes before the page's script has bound its forms
        page.fill("#try-text", TEXT)
        page.click("#try-submit")
        expect(page.locator("#try-result .tok").first).to_be_visible()
        expect(page.locator("#try-status")).to_contain_text("Max activation on your text")
        assert page.locator("#try-result .tok.fires").count() > 0
        assert float(page.locator("#try-result .tok.top").evaluate("n => n.style.getPropertyValue('--a')")) > 0
        page.screenshot(path=str(ARTIFACTS / "research-feature-test-text.png"), full_page=True)
        page.fill("#try-text", "")
        page.click("#try-submit")
        expect(page.locator("#try-status")).to_have_text("Type some text first")
        expect(page.locator("#try-result .tok")).to_have_count(0)

        # A link with a text to test (the form's plain GET, as a click before the script ran
        # sends it) opens the page with that text tested.
        page.goto(f"{live_server.url}/{MODEL_SLUG}/{top['source']}/{top['index']}?{urlencode({'text': TEXT})}")
        expect(page.locator("#try-text")).to_have_value(TEXT)
        expect(page.locator("#try-result .tok").first).to_be_visible()
        expect(page.locator("#try-status")).to_contain_text("Max activation on your text")

    page.wait_for_timeout(100)  # console events still on their way
    context.close()
    assert errors == []
