"""Fixtures for the research pages' tests. The browser test runs a real (tiny, random) model in
process: it reuses the inference tests' pack, engine and catalogue rows."""

from __future__ import annotations

import uuid

import pytest

from tests.inference.conftest import catalogue, engine, local_engine, model_pack  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    # Rate-limit windows live in the (possibly shared Redis) cache: a fresh namespace per test
    # starts with none used, without flushing anyone else's keys.
    settings.RATE_LIMIT_NAMESPACE = uuid.uuid4().hex
