"""The terms and privacy pages, and the links that lead to them."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_terms_say_how_contributions_are_licensed_and_moderated() -> None:
    page = Client().get("/terms").content.decode()
    for words in ("CC BY 4.0", "deleted player", "Rules of conduct", "ban"):
        assert words in page


def test_the_privacy_page_says_what_is_kept_shown_downloaded_and_deleted() -> None:
    page = Client().get("/privacy").content.decode()
    for words in ("e-mail address", "votes", "points", "puzzles you were shown", "reports", "Sessions",
                  "shown publicly", "Download your data", "/api/me/data", "Delete your account", "deleted player"):
        assert words in page


def test_every_page_links_to_both_in_its_footer() -> None:
    page = Client().get("/help").content.decode()
    footer = page[page.index('class="site-footer"'):]
    assert 'href="/terms"' in footer and 'href="/privacy"' in footer


def test_the_signup_page_says_signing_up_means_agreeing_to_the_terms() -> None:
    page = Client().get("/accounts/signup/").content.decode()
    assert "By signing up you agree to the" in page and 'href="/terms"' in page


@pytest.mark.parametrize("name", ["pages/terms.html", "pages/privacy.html", "accounts/delete.html",
                                  "accounts/token_created.html"])
def test_the_new_pages_have_no_inline_styles_or_scripts(name: str) -> None:
    # The Content-Security-Policy allows neither.
    from django.template.loader import get_template

    source = get_template(name).template.source
    assert "style=" not in source and "<script" not in source
