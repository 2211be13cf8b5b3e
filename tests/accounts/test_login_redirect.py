"""`resume_after_login`: another app names the page one login lands on."""

from __future__ import annotations

import pytest
from allauth.core import context
from django.contrib.sessions.middleware import SessionMiddleware

from accounts.adapters import AccountAdapter, resume_after_login
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_with_session(rf):
    request = rf.get("/accounts/login/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = make_user()
    with context.request_context(request):
        yield request


def test_a_resume_url_is_used_by_one_login_only(request_with_session, settings):
    resume_after_login(request_with_session, "/?feature=m/s/1")
    adapter = AccountAdapter(request_with_session)
    assert adapter.get_login_redirect_url(request_with_session) == "/?feature=m/s/1"
    assert adapter.get_login_redirect_url(request_with_session) == settings.LOGIN_REDIRECT_URL


def test_a_resume_url_on_another_site_is_ignored(request_with_session, settings):
    resume_after_login(request_with_session, "https://evil.example/")
    assert AccountAdapter(request_with_session).get_signup_redirect_url(request_with_session) == settings.LOGIN_REDIRECT_URL
