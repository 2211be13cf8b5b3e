"""Steering from a feature page in a real browser, against the live server with the tiny model
in process (as tests/research/test_browser.py): two different texts from one seed, clear errors
for a bad strength, and a login prompt for visitors. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import pytest
from django.test import override_settings

from game.display import visible_marks
from game.models import Feature, Source
from inference_client.engine import InferenceEngine
from tests.game.browser_data import PASSWORD
from tests.game.test_browser import ARTIFACTS, browser  # noqa: F401 (a fixture)
from tests.inference.model_pack import MODEL_SLUG
from tests.research.browser_helpers import log_in, new_page
from tests.research.test_browser import orm_beside_playwright  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser]


def test_a_steering_run_shows_two_texts_and_bad_strengths_are_explained(orm_beside_playwright, browser,  # noqa: F811
                                                                        live_server, local_engine: InferenceEngine,
                                                                        catalogue, django_user_model) -> None:
    from playwright.sync_api import expect

    source = Source.objects.get(model__slug=MODEL_SLUG, slug="0-res-std")
    Feature.objects.create(source=source, index=2, max_activation=3.0)
    django_user_model.objects.create_user("steerer", "steerer@example.com", PASSWORD)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page, errors = new_page(browser, refusals_expected=True)
    url = f"{live_server.url}/{MODEL_SLUG}/0-res-std/2"

    with override_settings(INFERENCE_URL="", RATE_LIMITS={"steer:user": (10_000, 60), "steer:ip": (10_000, 60)}):
        # A visitor is told how to steer: log in.
        page.goto(url)
        expect(page.locator("#steer")).to_contain_text("Log in")
        expect(page.locator("#steer-form")).to_have_count(0)

        log_in(page, live_server, "steerer", f"/{MODEL_SLUG}/0-res-std/2")
        expect(page).to_have_url(url)

        # The suggested strength is four times the feature's strongest activation.
        expect(page.locator("#steer-strength")).to_have_value("12")
        page.fill("#steer-prompt", "the cat sat on")
        page.fill("#steer-strength", "60")
        page.fill("#steer-seed", "3")
        page.fill("#steer-tokens", "12")
        page.click("#steer-submit")
        expect(page.locator("#steer-pair")).to_be_visible()
        plain = page.locator("#steer-default").inner_text()
        steered = page.locator("#steer-steered").inner_text()
        assert plain.startswith("the cat sat on") and steered.startswith("the cat sat on")
        assert plain != steered
        expect(page.locator("#steer-steered-h")).to_have_text("Steered (strength 60)")
        expected = local_engine.steer("the cat sat on", "0-res-std", 2, 60.0, seed=3, max_new_tokens=12)
        assert plain == visible_marks("the cat sat on" + expected["default"])
        assert steered == visible_marks("the cat sat on" + expected["steered"])
        page.screenshot(path=str(ARTIFACTS / "research-steering.png"), full_page=True)

        # Bad input: said in words, the old texts put away.
        page.fill("#steer-strength", "9999")
        page.click("#steer-submit")
        expect(page.locator("#steer-status")).to_contain_text("'strength' is from -500 to 500")
        expect(page.locator("#steer-pair")).to_be_hidden()
        page.fill("#steer-strength", "")
        page.click("#steer-submit")
        expect(page.locator("#steer-status")).to_have_text("Give the strength as a number")
        page.fill("#steer-strength", "5")
        page.fill("#steer-prompt", "  ")
        page.click("#steer-submit")
        expect(page.locator("#steer-status")).to_have_text("Type the start of a text first")
        page.screenshot(path=str(ARTIFACTS / "research-steering-error.png"), full_page=True)

    page.wait_for_timeout(100)
    context.close()
    assert errors == []
