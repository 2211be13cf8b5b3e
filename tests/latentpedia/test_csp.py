"""The Content-Security-Policy (latentpedia/settings.py): every HTML page carries it, none needs
an inline script, event handler or style attribute, and the pages still work in a real browser
under it (Debian's chromium through Playwright, against `manage.py serve` as in
tests/game/test_browser.py): clues shaded, the websocket open, forms (ours, allauth's, an OAuth
provider's, the admin's) posting and redirecting."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_feature, make_user

DEPLOYMENT_VARS = {"DATABASE_URL", "REDIS_URL", "DEBUG", "HTTPS", "SECRET_KEY", "ALLOWED_HOSTS"}
GITHUB = {"github": {"APPS": [{"client_id": "csp-test-client", "secret": "csp-test-secret", "key": ""}],
                     "SCOPE": ["user:email"]}}


def _directives(header: str) -> dict[str, list[str]]:
    parts = [p.split() for p in header.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def assert_strict_policy(header: str | None) -> None:
    assert header, "no Content-Security-Policy header"
    directives = _directives(header)
    assert directives["script-src"] == ["'self'"], header
    assert directives["style-src"] == ["'self'"], header
    assert directives["default-src"] == ["'self'"], header
    assert directives["object-src"] == ["'none'"], header
    assert directives["frame-ancestors"] == ["'none'"], header
    assert directives["base-uri"] == ["'self'"], header
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "unsafe-hashes" not in header, header


class _InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, <style>, style="", on*="",
    javascript: URLs. JSON data blocks (<script type="application/json">) are not run: allowed."""

    DATA_TYPES = {"application/json", "application/ld+json"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = dict(attrs)
        if tag == "script" and not attr.get("src") and (attr.get("type") or "").lower() not in self.DATA_TYPES:
            self.found.append(f"inline <script {attrs}>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'<{tag} {name}="{value}">')
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f'<{tag} {name}="{value}">')


def _inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


@pytest.mark.django_db
def test_every_html_page_carries_the_policy_and_needs_no_inline_code(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = GITHUB
    feature = make_feature()
    feature.histogram = {"edges": [0.0, 1.0, 2.0, 3.0], "counts": [1, 4, 2]}
    feature.save(update_fields=["histogram"])
    feature_url = reverse("feature", kwargs={"model": feature.source.model.slug, "source": feature.source.slug,
                                             "index": feature.index})
    anonymous = ["/", "/play", "/leaderboard", "/help", feature_url, "/accounts/login/", "/accounts/signup/",
                 "/accounts/password/reset/", "/accounts/github/login/?process=login", "/admin/login/",
                 "/terms", "/privacy"]
    player = ["/", "/profile", "/accounts/email/", "/accounts/password/change/", "/accounts/logout/",
              "/account/delete"]
    admin = ["/admin/", "/admin/auth/user/", "/admin/auth/user/add/", "/moderation", "/moderation?state=actioned",
             "/operators"]

    seen: dict[str, list[str]] = {}

    def visit(c: Client, url: str, method: str = "get", status: int = 200):
        response = getattr(c, method)(url)
        assert response.status_code == status, (url, response.status_code)
        assert response["Content-Type"].startswith("text/html"), (url, response["Content-Type"])
        assert_strict_policy(response.get("Content-Security-Policy"))
        seen[f"{method.upper()} {url}"] = _inline_code(response.content.decode())
        return response

    for url in anonymous:
        visit(client, url)
    visit(client, "/no-such-page", status=404)
    user = make_user()
    client.force_login(user)
    for url in player:
        visit(client, url)
    staff = make_user(username="csp-admin")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    for url in admin + [f"/admin/auth/user/{user.pk}/change/"]:
        visit(client, url)
    # The site's CSRF failure page (a form posted without its token), not Django's inline-styled one.
    csrf = visit(Client(enforce_csrf_checks=True), "/accounts/login/", method="post", status=403)
    assert b"That form could not be sent" in csrf.content

    assert {url: found for url, found in seen.items() if found} == {}
    # What used to be style="" is now data the page's script applies through the CSSOM.
    feature_html = client.get(feature_url).content.decode()
    assert 'data-a="' in feature_html and 'data-height="100.0"' in feature_html


def test_json_answers_carry_the_policy_too(client, db):
    response = client.get("/api/openapi.json")
    assert response["Content-Type"].startswith("application/json")
    assert_strict_policy(response.get("Content-Security-Policy"))


# ---- In a real browser ------------------------------------------------------------------------

# Runs before any page script (Playwright injects it outside the page's CSP): every violation
# is also written to the console, with the directive and what was blocked.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  "Content Security Policy violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline")
  + " at " + e.sourceFile + ":" + e.lineNumber));
try { localStorage.setItem("lp.tutorialDone", "1"); } catch (e) { /* an error page has no storage */ }
"""
ADMIN_PASSWORD = "csp-admin-pass-" + uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def csp_site(tmp_path_factory):
    """The site as scripts/start runs it (DEBUG off, one process with the worker inside, the
    in-memory channel layer), with the browser tests' data, a GitHub app (fake credentials:
    the provider is never reached), a histogram on the fruit feature and an admin."""
    from tests.servers import ROOT, free_port, stop, wait_listening

    tmp = tmp_path_factory.mktemp("csp-site")
    env = {k: v for k, v in os.environ.items() if k not in DEPLOYMENT_VARS}
    env.update(
        SQLITE_PATH=str(tmp / "db.sqlite3"), DJANGO_SETTINGS_MODULE="latentpedia.settings",
        STATIC_ROOT=str(tmp / "static"), SECRET_KEY_FILE=str(tmp / "secret_key"), PYTHONUNBUFFERED="1",
        GITHUB_CLIENT_ID="csp-test-client", GITHUB_CLIENT_SECRET="csp-test-secret",
        DJANGO_SUPERUSER_PASSWORD=ADMIN_PASSWORD,
    )
    run = dict(cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], **run)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], **run)
    refs = json.loads(subprocess.run([sys.executable, "-m", "tests.game.browser_data"], **run).stdout.strip().splitlines()[-1])
    fruit = refs["fruit"]
    subprocess.run([sys.executable, "manage.py", "shell", "-c",
                    "from game.models import Feature; Feature.objects.filter(index=%d, source__slug=%r).update("
                    "histogram={'edges': [0.0, 1.0, 2.0, 3.0], 'counts': [1, 4, 2]})" % (fruit["index"], fruit["source"])],
                   **run)
    subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", "csp-admin",
                    "--email", "csp-admin@example.com"], **run)
    port = free_port()
    log = tmp / "server.log"
    server = subprocess.Popen([sys.executable, "manage.py", "serve", "--noreload", f"127.0.0.1:{port}"],
                              cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_listening(port, server, log=log)
        yield {"url": f"http://127.0.0.1:{port}", "refs": refs, "log": log}
    finally:
        stop([server], show_output=False)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import expect, sync_playwright

    from tests.game.test_browser import CHROMIUM_ARGS

    expect.set_options(timeout=20_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class _Watched:
    """A page whose console messages and page errors are kept, and whose every document
    response must carry the strict policy."""

    def __init__(self, browser, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        self.context.add_init_script(REPORT_VIOLATIONS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.documents: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text} ({self.page.url})"))
        self.page.on("pageerror", lambda e: self.errors.append(f"{e} ({self.page.url})"))
        self.page.on("response", self._response)

    def _response(self, response) -> None:
        if response.request.resource_type == "document" and response.url.startswith(self.base):
            assert_strict_policy(response.headers.get("content-security-policy"))
            self.documents.append(response.url)

    def goto(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("load")
        return response

    def check(self) -> None:
        self.page.wait_for_timeout(150)  # console events still on their way
        csp = [m for m in self.console + self.errors if "content security policy" in m.lower()]
        assert csp == [], csp
        assert self.errors == []
        self.context.close()


def _feature_path(ref: dict) -> str:
    return f"/{ref['model']}/{ref['source']}/{ref['index']}"


@pytest.mark.browser
def test_a_visitors_pages_work_under_the_policy(csp_site, chromium):
    from playwright.sync_api import expect

    w = _Watched(chromium, csp_site["url"])
    page = w.page

    # Play: a clue renders, shaded through the CSSOM; the websocket ('self' covers ws:) opens.
    w.goto("/?feature=" + _feature_path(csp_site["refs"]["fruit"])[1:])
    expect(page.locator("#clues .clue").first).to_be_visible()
    top = page.locator("#clues .clue-text .tok.top").first
    assert float(top.evaluate("n => getComputedStyle(n).getPropertyValue('--a')")) > 0.9
    assert top.evaluate("n => getComputedStyle(n).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.wait_for_function("() => document.body.dataset.socket === 'open'")
    # The intro's and the tutorial's example tokens: shading from data-a, not style="".
    assert page.locator(".puzzle-intro .tok").evaluate("n => getComputedStyle(n).getPropertyValue('--a').trim()") == ".8"
    assert page.locator(".demo-clue .tok.top").evaluate("n => getComputedStyle(n).getPropertyValue('--a').trim()") == "1"

    w.goto("/leaderboard")
    expect(page.locator("#lb-panel")).to_be_visible()
    page.wait_for_function("() => document.body.dataset.socket === 'open'")

    w.goto("/help")
    expect(page.locator("main h1").first).to_be_visible()

    # The researcher's feature page: records shaded, histogram bars as tall as their counts.
    w.goto(_feature_path(csp_site["refs"]["fruit"]))
    record_top = page.locator(".record .tok.top").first
    expect(record_top).to_be_visible()
    assert float(record_top.evaluate("n => getComputedStyle(n).getPropertyValue('--a')")) > 0.5
    heights = page.locator(".histogram .bar").evaluate_all("ns => ns.map(n => Math.round(n.getBoundingClientRect().height))")
    assert heights == [30, 120, 60], heights

    # Sign-in pages (ours and allauth's), the 404 page.
    w.goto("/accounts/login/")
    button = page.locator("form button[type=submit]")
    assert button.evaluate("b => b.getBoundingClientRect().width === b.form.getBoundingClientRect().width")
    w.goto("/accounts/signup/")
    expect(page.locator("input[name=email]")).to_be_visible()
    w.goto("/accounts/password/reset/")
    expect(page.locator("input[name=email]")).to_be_visible()
    assert w.goto("/no-such-page").status == 404
    w.check()


@pytest.mark.browser
def test_a_player_signs_up_and_uses_the_account_pages_under_the_policy(csp_site, chromium):
    from playwright.sync_api import expect

    w = _Watched(chromium, csp_site["url"])
    page = w.page
    w.goto("/accounts/signup/")
    page.fill("input[name=email]", "grace@example.com")
    page.fill("input[name=username]", "grace")
    page.fill("input[name=password1]", "a-long-passphrase-43")
    page.fill("input[name=password2]", "a-long-passphrase-43")
    page.click("form button[type=submit]")  # form-action 'self', then a redirect to play
    page.wait_for_url(re.compile(r"^" + re.escape(csp_site["url"]) + r"/play(\?.*)?$"))
    expect(page.locator("#clues .clue").first).to_be_visible()
    page.wait_for_function("() => document.body.dataset.socket === 'open'")

    w.goto("/profile")
    page.fill("#token-name", "my notebook")
    page.click("form.token-form button[type=submit]")
    expect(page.locator("#new-token")).to_contain_text("my notebook")

    w.goto("/accounts/email/")  # allauth's own template and scripts
    expect(page.locator("main")).to_contain_text("grace@example.com")
    w.goto("/accounts/password/change/")
    expect(page.locator("input[type=password]").first).to_be_visible()

    w.goto("/profile")
    page.locator("form[action='/accounts/logout/'] button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"^" + re.escape(csp_site["url"]) + r"/(\?.*)?$"))
    expect(page.locator(".nav-cta")).to_have_text("Sign up")
    w.check()


@pytest.mark.browser
def test_an_oauth_login_posts_to_the_site_and_is_redirected_to_the_provider(csp_site, chromium):
    """The provider's button leads to allauth's confirmation form, which posts to our own URL and
    is redirected to the provider: form-action must let that redirect through."""
    from playwright.sync_api import expect

    w = _Watched(chromium, csp_site["url"])
    page = w.page
    reached: list[str] = []

    def provider(route) -> None:
        reached.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body="<title>GitHub</title><h1>Authorize</h1>")

    page.route(re.compile(r"^https://github\.com/.*"), provider)
    w.goto("/accounts/login/")
    page.click("a[data-provider=github]")
    page.wait_for_url(re.compile(r"/accounts/github/login/"))
    policy = _directives(page.evaluate("""async () => (await fetch(location.href)).headers.get("content-security-policy")"""))
    assert policy["form-action"] == ["'self'", "https://github.com"]
    page.click("main form button[type=submit], main form input[type=submit]")
    expect(page.locator("h1")).to_have_text("Authorize")
    assert reached and reached[0].startswith("https://github.com/login/oauth/authorize?client_id=csp-test-client")
    w.check()


@pytest.mark.browser
def test_the_admin_works_under_the_policy(csp_site, chromium):
    from playwright.sync_api import expect

    w = _Watched(chromium, csp_site["url"])
    page = w.page
    w.goto("/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    w.goto("/admin/auth/user/")
    expect(page.locator("#result_list")).to_contain_text("csp-admin")
    page.locator("#result_list a", has_text="csp-admin").first.click()
    expect(page.locator("#id_username")).to_have_value("csp-admin")
    w.check()
