from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from game.models import LlmUsage
from jobs import queue
from jobs.models import Job

pytestmark = pytest.mark.django_db


def _failed_job(error: str = "ValueError: the reply was not JSON") -> Job:
    return Job.objects.create(
        name="score_explanation", payload={"score_id": 41}, status=Job.Status.FAILED, attempts=5,
        run_after=timezone.now(), last_error=error, finished=timezone.now(),
    )


def test_an_anonymous_visitor_is_sent_to_log_in() -> None:
    response = Client().get("/operators")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") and "next=/operators" in response["Location"]


def test_a_player_who_is_not_staff_gets_a_403_page(player_client) -> None:
    response = player_client.get("/operators")
    assert response.status_code == 403
    assert b"Operators only" in response.content


def test_a_player_who_is_not_staff_cannot_retry_jobs(player_client) -> None:
    job = _failed_job()
    assert player_client.post(f"/operators/jobs/{job.pk}/retry").status_code == 403
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_staff_see_todays_spend_the_budget_and_failed_jobs(staff_client, settings) -> None:
    settings.SCORING_DAILY_BUDGET_USD = 20.0
    LlmUsage.objects.create(purpose=LlmUsage.Purpose.SCORE, method="contextual-simulation", calls=3, cost_usd=1.25)
    _failed_job()
    queue.enqueue("score_explanation", {"score_id": 42})

    response = staff_client.get("/operators")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ops-spent">$1.25<' in html
    assert 'id="ops-budget">$20.00<' in html
    assert 'id="ops-left">$18.75<' in html
    assert "score_explanation" in html and "{&quot;score_id&quot;: 41}" in html
    assert "the reply was not JSON" in html
    assert "/retry" in html and "csrfmiddlewaretoken" in html
    assert "operations.css" in html
    assert response["Cache-Control"].count("no-store")


def test_the_page_escapes_what_jobs_carry(staff_client) -> None:
    _failed_job(error="<script>alert(1)</script>")
    html = staff_client.get("/operators").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_page_has_no_inline_script_or_style(staff_client) -> None:
    _failed_job()
    html = staff_client.get("/operators").content.decode()
    assert "style=" not in html
    assert "<script>" not in html  # every script of the layout has a src


def test_retry_requeues_a_failed_job_and_says_so(staff_client) -> None:
    job = _failed_job()
    response = staff_client.post(f"/operators/jobs/{job.pk}/retry", follow=True)
    assert response.redirect_chain == [("/operators", 302)]
    job.refresh_from_db()
    assert job.status == Job.Status.READY and job.attempts == 0 and job.last_error == ""
    assert f"Job #{job.pk} is queued again" in response.content.decode()


def test_retrying_a_job_that_is_not_failed_changes_nothing_and_says_why(staff_client) -> None:
    job = queue.enqueue("score_explanation", {"score_id": 1})
    response = staff_client.post(f"/operators/jobs/{job.pk}/retry", follow=True)
    assert f"Job #{job.pk} is ready, not failed" in response.content.decode()
    response = staff_client.post("/operators/jobs/999999/retry", follow=True)
    assert "There is no job #999999" in response.content.decode()


def test_retry_is_a_post_with_a_csrf_token() -> None:
    from tests.factories import make_user

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(is_staff=True))
    job = _failed_job()
    assert client.get(f"/operators/jobs/{job.pk}/retry").status_code == 405
    assert client.post(f"/operators/jobs/{job.pk}/retry").status_code == 403  # no token
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED


def test_retrying_a_job_whose_work_is_queued_again_elsewhere_says_so(staff_client) -> None:
    job = _failed_job()
    Job.objects.filter(pk=job.pk).update(dedupe_key="score:41")
    queue.enqueue("score_explanation", {"score_id": 41}, dedupe_key="score:41")
    response = staff_client.post(f"/operators/jobs/{job.pk}/retry", follow=True)
    assert response.status_code == 200
    assert "another live job already does the same work (score:41)" in response.content.decode()
    assert Job.objects.get(pk=job.pk).status == Job.Status.FAILED
