"""Stars, lists and comments on a feature page in a real browser (the live server, as in
tests/research/test_browser.py): one player stars the feature, adds it to a new list and
comments; another sees the comment and reports it, and the report reaches the moderators."""

from __future__ import annotations

import pytest

from game.models import Feature, Source
from moderation.models import Case
from research.models import Comment, FeatureList
from tests.game.browser_data import PASSWORD
from tests.game.test_browser import ARTIFACTS, browser  # noqa: F401 (a fixture)
from tests.inference.model_pack import MODEL_SLUG
from tests.research.browser_helpers import log_in, new_page
from tests.research.test_browser import orm_beside_playwright  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser]


def _player(browser, live_server, username: str, then: str):  # noqa: F811
    context, page, errors = new_page(browser)
    log_in(page, live_server, username, then)
    return context, page, errors


def test_a_comment_appears_on_the_feature_page_and_can_be_reported(orm_beside_playwright, browser,  # noqa: F811
                                                                    live_server, catalogue, django_user_model) -> None:
    from playwright.sync_api import expect

    source = Source.objects.get(model__slug=MODEL_SLUG, slug="0-res-std")
    Feature.objects.create(source=source, index=5, max_activation=2.0)
    for name in ("writer", "reader"):
        django_user_model.objects.create_user(name, f"{name}@example.com", PASSWORD)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    url = f"{live_server.url}/{MODEL_SLUG}/0-res-std/5"

    context, page, errors = _player(browser, live_server, "writer", url[len(live_server.url):])
    expect(page.locator("#comments")).to_contain_text("No comments yet.")
    page.click("#star-btn")
    expect(page.locator("#star-btn")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#star-count")).to_have_text("1 star")
    # A new list, made from the page, with a note.
    expect(page.locator("#list-pick")).to_have_value("")
    page.fill("#list-new-name", "Odd ones")
    page.fill("#list-note", "fires on <odd> things")
    page.click("#list-add")
    expect(page.locator("#toast")).to_contain_text("Added to the list")
    made = FeatureList.objects.get(name="Odd ones")
    assert [(i.feature.index, i.note) for i in made.items.all()] == [(5, "fires on <odd> things")]
    # A comment, as text: markup stays text.
    page.fill("#comment-text", "<b>Fires</b> on odd tokens")
    page.click("#comment-submit")
    comment = page.locator("#comments .comment")
    expect(comment).to_have_count(1)
    expect(comment.locator(".comment-text")).to_have_text("<b>Fires</b> on odd tokens")
    expect(comment.locator("button", has_text="Delete")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "research-social-writer.png"), full_page=True)
    page.goto(live_server.url + f"/lists/{made.pk}")
    expect(page.locator(".list-items")).to_contain_text("fires on <odd> things")
    context.close()
    assert errors == []

    context, page, errors = _player(browser, live_server, "reader", url[len(live_server.url):])
    comment = page.locator("#comments .comment")
    expect(comment).to_have_count(1)
    expect(comment.locator(".comment-head")).to_contain_text("writer")
    comment.locator("button", has_text="Report").click()
    expect(page.locator("#comment-report-dialog")).to_be_visible()
    expect(page.locator("#comment-report-dialog-text")).to_have_text("<b>Fires</b> on odd tokens")
    page.check("#comment-report-form input[value=spam]")
    page.fill("#comment-report-form input[name=note]", "looks like an advert")
    page.click("#comment-report-send")
    expect(page.locator("#toast")).to_contain_text("the moderators will look at it")
    expect(page.locator("#comment-report-dialog")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "research-social-reported.png"), full_page=True)
    context.close()
    assert errors == []

    case = Case.objects.get(comment=Comment.objects.get())
    assert [(r.reporter.username, r.reason, r.note) for r in case.reports.all()] == [("reader", "spam", "looks like an advert")]
