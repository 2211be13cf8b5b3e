"""Moderation over the JSON API (`shared/API.md`): players report and retract; moderators read
the queue and act. A ninja Router mounted at /api/ by `latentpedia/api.py`."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import StrictInt

from accounts.api_auth import LOGGED_IN
from accounts.api_base import ApiError, In, errors
from game.services.errors import ServiceError
from game.api_support import RateLimit
from moderation import selectors, services, sources
from moderation.models import Case, Report, is_moderator

router = Router(tags=["moderation"])

ReportReason = Literal[tuple(Report.Reason.values)]  # type: ignore[valid-type]
CaseState = Literal[tuple(Case.State.values)]  # type: ignore[valid-type]
Action = Literal[services.ACTIONS]  # type: ignore[valid-type]
TargetKind = Literal[tuple(Case.Kind.values)]  # type: ignore[valid-type]


def _moderator(request: HttpRequest) -> None:
    if not is_moderator(request.user):
        raise ApiError("Only moderators can do this.", status=403)


# --- Players: reports -----------------------------------------------------------------------


class ReportIn(In):
    reason: ReportReason
    note: str = ""


class ReportOut(Schema):
    explanation_id: int | None = None
    comment_id: int | None = None
    username: str | None = None
    reported: bool
    created: bool


class RetractOut(Schema):
    retracted: bool


def _visible_target(kind: str, pk: int, noun: str) -> services.Target:
    """An explanation or comment that can be reported: it exists and is not hidden."""
    try:
        target = services.target_find(kind, pk)
    except ServiceError:
        raise ApiError(f"There is no {noun} {pk}.", status=404) from None
    if (target.explanation or target.comment).hidden:
        raise ApiError(f"This {noun} was removed by a moderator.", status=404)
    return target


def _user_target(username: str) -> services.Target:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ApiError(f"There is no player {username!r}.", status=404)
    return services.Target(Case.Kind.USER, user=user)


def _report(request: HttpRequest, target: services.Target, payload: ReportIn, **which: Any) -> Any:
    """File the report; 201 the first time, 200 when this player had already reported it."""
    result = services.report_file(reporter=request.user, target=target, reason=payload.reason, note=payload.note)
    return Status(201 if result.created else 200, {**which, "reported": True, "created": result.created})


@router.post(
    "/explanations/{int:explanation_id}/report",
    response={(200, 201): ReportOut, **errors(400, 401, 403, 404, 429)}, auth=LOGGED_IN,
    throttle=[RateLimit("vote")], url_name="api-explanation-report",
    summary="Report an explanation to the moderators (201 the first time, 200 after)",
)
def explanation_report(request: HttpRequest, explanation_id: int, payload: ReportIn) -> Any:
    return _report(request, _visible_target(Case.Kind.EXPLANATION, explanation_id, "explanation"), payload,
                   explanation_id=explanation_id)


@router.delete(
    "/explanations/{int:explanation_id}/report", response={200: RetractOut, **errors(401, 403, 404)},
    auth=LOGGED_IN, url_name="api-explanation-report", summary="Take back your report (while undecided)",
)
def explanation_report_retract(request: HttpRequest, explanation_id: int) -> Any:
    try:
        target = services.target_find(Case.Kind.EXPLANATION, explanation_id)
    except ServiceError:
        raise ApiError(f"There is no explanation {explanation_id}.", status=404) from None
    return {"retracted": services.report_retract(reporter=request.user, target=target)}


@router.post(
    "/comments/{int:comment_id}/report",
    response={(200, 201): ReportOut, **errors(400, 401, 403, 404, 429)}, auth=LOGGED_IN,
    throttle=[RateLimit("vote")], url_name="api-comment-report",
    summary="Report a comment to the moderators (201 the first time, 200 after)",
)
def comment_report(request: HttpRequest, comment_id: int, payload: ReportIn) -> Any:
    return _report(request, _visible_target(Case.Kind.COMMENT, comment_id, "comment"), payload, comment_id=comment_id)


@router.post(
    "/users/{username}/report", response={(200, 201): ReportOut, **errors(400, 401, 403, 404, 429)},
    auth=LOGGED_IN, throttle=[RateLimit("vote")], url_name="api-user-report",
    summary="Report a player to the moderators (201 the first time, 200 after)",
)
def user_report(request: HttpRequest, username: str, payload: ReportIn) -> Any:
    return _report(request, _user_target(username), payload, username=username)


@router.delete(
    "/users/{username}/report", response={200: RetractOut, **errors(401, 403, 404)}, auth=LOGGED_IN,
    url_name="api-user-report", summary="Take back your report on a player (while undecided)",
)
def user_report_retract(request: HttpRequest, username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ApiError(f"There is no player {username!r}.", status=404)
    target = services.Target(Case.Kind.USER, user=user)
    return {"retracted": services.report_retract(reporter=request.user, target=target)}


# --- Moderators: the queue and actions --------------------------------------------------------------


class CasesQuery(In):
    state: CaseState = "open"


class ReportEntry(Schema):
    by: str
    reason: str
    note: str
    weight: float
    outcome: str
    created: dt.datetime


class TargetOut(Schema):
    kind: str
    id: int
    text: str | None = None
    author: str | None = None
    username: str | None = None
    hidden: bool | None = None
    banned: bool | None = None
    feature: str | None = None


class CaseOut(Schema):
    id: int
    target: TargetOut
    state: str
    auto_hidden: bool
    weight: float
    reports: list[ReportEntry]
    updated: dt.datetime


class CasesOut(Schema):
    state: str
    counts: dict[str, int]
    cases: list[CaseOut]


@router.get("/moderation/reports", response={200: CasesOut, **errors(400, 401, 403)}, auth=LOGGED_IN,
            url_name="api-moderation-reports", summary="Reported cases grouped by target (moderators)")
def moderation_reports(request: HttpRequest, query: CasesQuery = Query(...)) -> Any:
    _moderator(request)
    return {"state": query.state, "counts": selectors.state_counts(), "cases": selectors.cases(query.state)}


class FlagsOut(Schema):
    features: list[dict[str, Any]]


@router.get("/moderation/flags", response={200: FlagsOut, **errors(401, 403)}, auth=LOGGED_IN,
            url_name="api-moderation-flags", summary="Puzzle flags counted per feature (moderators)")
def moderation_flags(request: HttpRequest) -> Any:
    _moderator(request)
    return {"features": selectors.feature_flags()}


class TargetIn(In):
    kind: TargetKind
    id: StrictInt


class ActionIn(In):
    action: Action
    target: TargetIn
    reason: str


class AuditTarget(Schema):
    kind: str
    id: int | None
    label: str


class AuditOut(Schema):
    id: int
    moderator: str | None
    action: str
    target: AuditTarget
    reason: str
    created: dt.datetime


class AuditListOut(Schema):
    entries: list[AuditOut]


@router.post("/moderation/actions", response={201: AuditOut, **errors(400, 401, 403, 404, 409)}, auth=LOGGED_IN,
             url_name="api-moderation-actions", summary="Take a moderation action; returns its audit entry")
def moderation_action(request: HttpRequest, payload: ActionIn) -> Any:
    _moderator(request)
    target = services.target_find(payload.target.kind, payload.target.id)
    entry = services.action_take(moderator=request.user, action=payload.action, target=target, reason=payload.reason)
    return Status(201, selectors.audit_payload(entry))


@router.get("/moderation/actions", response={200: AuditListOut, **errors(401, 403)}, auth=LOGGED_IN,
            url_name="api-moderation-actions", summary="The audit log, newest first (moderators)")
def moderation_audit(request: HttpRequest) -> Any:
    _moderator(request)
    return {"entries": [selectors.audit_payload(e) for e in selectors.audit_log()]}


# --- Uploaded sources -------------------------------------------------------------------------


class SourceActionIn(In):
    reason: str = ""


class UploadReviewOut(Schema):
    job_id: int
    model: str
    slug: str
    uploader: str | None
    hook_point: str
    width: int
    description: str
    created: dt.datetime


class UploadReviewListOut(Schema):
    uploads: list[UploadReviewOut]


@router.get("/moderation/uploads", response={200: UploadReviewListOut, **errors(401, 403)}, auth=LOGGED_IN,
            url_name="api-moderation-uploads", summary="Uploaded sources waiting to be put in play (moderators)")
def moderation_uploads(request: HttpRequest) -> Any:
    _moderator(request)
    return {"uploads": [
        {"job_id": u.pk, "model": u.model.slug, "slug": u.slug, "uploader": u.user.get_username() if u.user else None,
         "hook_point": u.hook_point, "width": u.width, "description": u.description, "created": u.created}
        for u in sources.uploads_to_review()
    ]}


@router.post("/moderation/sources/{slug:model}/{slug:source}/approve",
             response={201: AuditOut, **errors(400, 401, 403, 404, 409)}, auth=LOGGED_IN,
             url_name="api-moderation-source-approve", summary="Put an uploaded source's features in play (moderators)")
def moderation_source_approve(request: HttpRequest, model: str, source: str, payload: SourceActionIn) -> Any:
    _moderator(request)
    entry = sources.source_approve(moderator=request.user, model=model, source=source, reason=payload.reason)
    return Status(201, selectors.audit_payload(entry))


@router.post("/moderation/sources/{slug:model}/{slug:source}/unpublish",
             response={201: AuditOut, **errors(400, 401, 403, 404)}, auth=LOGGED_IN,
             url_name="api-moderation-source-unpublish",
             summary="Hide an uploaded source everywhere and take it out of play (moderators)")
def moderation_source_unpublish(request: HttpRequest, model: str, source: str, payload: SourceActionIn) -> Any:
    _moderator(request)
    entry = sources.source_unpublish(moderator=request.user, model=model, source=source, reason=payload.reason)
    return Status(201, selectors.audit_payload(entry))
