"""Shared fixtures. Tests that need PostgreSQL, Redis or a browser skip with a reason when
the service is absent, so the suite passes on a bare machine."""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    has_redis = bool(os.environ.get("REDIS_URL"))
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL (as .ci/run does)"))
        if "redis" in item.keywords and not has_redis:
            item.add_marker(pytest.mark.skip(reason="needs Redis: set REDIS_URL (as .ci/run does)"))
        if "browser" in item.keywords and not chromium:
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium)"))
