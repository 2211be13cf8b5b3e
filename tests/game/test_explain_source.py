from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from game.importer import import_pack
from game.models import Explanation, LlmUsage, Score
from jobs.models import Job
from tests.scoring import fake_openai as fake
from tests.tiny_pack import write_tiny_pack

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(settings, tmp_path):
    import_pack(write_tiny_pack(tmp_path / "p"), score_baselines=False)
    srv = fake.FakeOpenAI().start()
    settings.OPENAI_BASE_URL = srv.base_url
    settings.OPENAI_API_KEY = "test"
    settings.OPENAI_MODEL = "gpt-4o-mini"
    settings.OPENAI_TIMEOUT_S = 2
    yield srv
    srv.stop()


def llm_explanations():
    return Explanation.objects.filter(author_model="llm-explainer:gpt-4o-mini")


def test_it_explains_every_feature_queues_scoring_and_records_the_cost(server) -> None:
    server.push(*[fake.chat(f"cats number {i}", usage=(200, 4)) for i in range(3)])
    call_command("explain_source", "tiny-model", "0-res-sae")
    assert llm_explanations().count() == 3  # the fourth feature never fires
    assert Score.objects.filter(explanation__in=llm_explanations(), status="pending").count() == 3
    assert Job.objects.filter(status="ready", name="score_explanation").count() == 3
    ledger = LlmUsage.objects.filter(purpose="explain")
    assert ledger.count() == 3 and sum(u.tokens_in for u in ledger) == 600 and all(u.cost_usd > 0 for u in ledger)


def test_an_interrupted_run_resumes_where_it_stopped(server) -> None:
    server.push(fake.chat("first"), fake.chat("second"))
    call_command("explain_source", "tiny-model", "0-res-sae", "--limit", "2")
    server.push(fake.chat("third"))
    call_command("explain_source", "tiny-model", "0-res-sae")
    assert sorted(llm_explanations().values_list("feature__index", flat=True)) == [0, 1, 2]
    assert len(server.requests) == 3


def test_a_rate_limited_call_is_retried(server) -> None:
    server.push(fake.status(429, "slow down", {"Retry-After": "0"}), *[fake.chat(f"ok {i}") for i in range(3)])
    call_command("explain_source", "tiny-model", "0-res-sae")
    assert llm_explanations().count() == 3


def test_it_stops_when_the_budget_is_spent(server, settings) -> None:
    settings.SCORING_DAILY_BUDGET_USD = 0.0
    call_command("explain_source", "tiny-model", "0-res-sae")
    assert llm_explanations().count() == 0 and server.requests == []


def test_an_unknown_source_is_a_clear_error(server) -> None:
    with pytest.raises(CommandError, match="No source 'nope'"):
        call_command("explain_source", "tiny-model", "nope")


def test_it_refuses_to_run_without_an_endpoint(settings, tmp_path) -> None:
    import_pack(write_tiny_pack(tmp_path / "p"), score_baselines=False)
    settings.OPENAI_BASE_URL = settings.OPENAI_API_KEY = ""
    with pytest.raises(CommandError, match="not configured"):
        call_command("explain_source", "tiny-model", "0-res-sae")
