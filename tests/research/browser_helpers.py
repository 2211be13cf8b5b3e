"""What the research pages' browser tests share: a fresh page under the strict CSP that keeps
its script errors, and logging in through the real form straight back to a page."""

from __future__ import annotations

from tests.game.browser_data import PASSWORD
from tests.latentpedia.test_csp import REPORT_VIOLATIONS


def new_page(browser, *, height: int = 900, refusals_expected: bool = False):
    """(context, page, errors). With `refusals_expected`, the browser's own line for a request
    answered 4xx is no error: the test means to be refused."""
    context = browser.new_context(viewport={"width": 1280, "height": height})
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        if refusals_expected and message.text.startswith("Failed to load resource"):
            return
        errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


def log_in(page, live_server, username: str, then: str) -> None:
    """Through the login form, back to `then` (play, the default, needs a websocket server
    that pytest-django's live server does not run)."""
    page.goto(live_server.url + "/accounts/login/?next=" + then)
    page.fill("input[name=login]", f"{username}@example.com")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
