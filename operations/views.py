"""The health check for load balancers and the operators' page. Thin: checks and reads live
in `health` and `selectors`, writes in `jobs.queue` and `game.site_settings`."""

from __future__ import annotations

from django.db import transaction
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from game.services.errors import ServiceError
from game.site_settings import site_settings_set
from game import jobs as game_jobs
from jobs import queue
from jobs import selectors as job_selectors
from operations import health, selectors
from operations.access import staff_required
from operations.forms import LimitsForm

TEMPLATE = "operations/operators.html"


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    # Touches neither the session nor the user, so it sets no cookie and needs no CSRF token.
    healthy, checks = health.run_checks()
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


def _render(request: HttpRequest, form: LimitsForm, *, status: int = 200) -> HttpResponse:
    return render(request, TEMPLATE, {**selectors.operators_overview(), "form": form}, status=status)


@never_cache
@staff_required
@require_http_methods(["GET", "POST"])
def operators_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request, LimitsForm(initial=selectors.limits_current()))
    form = LimitsForm(request.POST)
    if form.is_valid():
        try:
            site_settings_set(**form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            messages.success(request, "Limits saved: every web and worker process uses them within seconds.")
            return redirect("operators")
    return _render(request, form, status=400)


@staff_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    with transaction.atomic():
        retried = queue.requeue(job_id)
        job = job_selectors.job_get(job_id) if retried else None
        # A scoring job's Score was marked failed when the job gave up: open it again, or the
        # retried job finds nothing to do.
        if job is not None and job.name == game_jobs.SCORE_JOB:
            game_jobs.score_reopen(job.payload.get("score_id"))
    if retried:
        messages.success(request, f"Job #{job_id} is queued again with a fresh set of attempts.")
    else:
        job = job_selectors.job_get(job_id)
        if job is None:
            messages.error(request, f"There is no job #{job_id} (it may have been pruned).")
        elif job.status == job.Status.FAILED:
            messages.error(
                request, f"Job #{job_id} was not queued again: another live job already does the same work "
                f"({job.dedupe_key}).",
            )
        else:
            messages.error(request, f"Job #{job_id} is {job.get_status_display().lower()}, not failed: nothing to retry.")
    return redirect("operators")
