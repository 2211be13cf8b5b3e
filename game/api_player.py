"""`GET /api/me/data`: everything kept about the calling player, as a JSON file to download.

A ninja Router mounted at /api/ by `latentpedia/api.py`; the dict comes from
`game.player_data.player_data`, checked against the schemas below on the way out, so the answer
always matches the generated document.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from accounts.api_auth import LOGGED_IN
from accounts.api_base import errors
from game.player_data import player_data

router = Router(tags=["account data"])


class FeatureRefOut(Schema):
    model: str
    source: str
    index: int


class EmailAddressOut(Schema):
    email: str
    verified: bool
    primary: bool


class LinkedLoginOut(Schema):
    provider: str
    uid: str
    date_joined: str | None
    last_login: str | None
    extra_data: dict[str, Any]


class TokenInfoOut(Schema):
    name: str
    hint: str
    created: str
    last_used: str | None
    revoked: str | None


class AccountOut(Schema):
    username: str
    email: str
    date_joined: str
    last_login: str | None
    preferences: dict[str, bool]
    email_addresses: list[EmailAddressOut]
    linked_logins: list[LinkedLoginOut]
    api_tokens: list[TokenInfoOut]


class MyExplanationOut(Schema):
    id: int
    feature: FeatureRefOut
    text: str
    status: str
    hidden: bool
    score: float | None
    score_method: str | None
    votes: int
    created: str


class DeletedExplanationOut(Schema):
    feature: FeatureRefOut
    normalized_text: str
    created: str


class MyVoteOut(Schema):
    explanation_id: int
    created: str


class PointsEventOut(Schema):
    reason: str
    points: int
    explanation_id: int | None
    created: str


class ReportTargetOut(Schema):
    kind: str = Field(description="explanation or user")
    id: int


class MyReportOut(Schema):
    target: ReportTargetOut
    reason: str
    note: str
    outcome: str | None = Field(description="upheld or rejected once a moderator decided; null before")
    created: str


class WarningOut(Schema):
    reason: str
    acknowledged: bool
    created: str


class PuzzleViewOut(Schema):
    feature: FeatureRefOut
    action: str
    reason: str
    created: str
    updated: str


class DailyCounterOut(Schema):
    day: str
    kind: str
    used: int


class MyListItemOut(Schema):
    feature: str
    note: str
    added: str


class MyListOut(Schema):
    name: str
    description: str
    test_text: str
    public: bool
    created: str
    items: list[MyListItemOut]


class MyStarOut(Schema):
    feature: str
    created: str


class MyCommentOut(Schema):
    feature: str
    text: str
    hidden: bool
    created: str


class MyUploadOut(Schema):
    model: str
    slug: str
    description: str
    status: str
    error: str
    hook_point: str
    width: int
    size_bytes: int
    created: str


class PlayerDataOut(Schema):
    format_version: int
    account: AccountOut
    explanations: list[MyExplanationOut]
    deleted_explanations: list[DeletedExplanationOut]
    votes: list[MyVoteOut]
    points_events: list[PointsEventOut]
    puzzle_views: list[PuzzleViewOut]
    daily_counters: list[DailyCounterOut]
    # Moderation's part (`moderation/player_data.py`); empty where that app is not installed.
    reports: list[MyReportOut] = []
    warnings: list[WarningOut] = []
    # Research's part (`research/player_data.py`).
    lists: list[MyListOut] = []
    stars: list[MyStarOut] = []
    comments: list[MyCommentOut] = []
    uploads: list[MyUploadOut] = []


@router.get("/me/data", response={200: PlayerDataOut, **errors(401)}, auth=LOGGED_IN, url_name="api-me-data",
            summary="Download everything kept about me (a JSON file)")
def me_data(request: HttpRequest) -> Any:
    user = request.user
    body = PlayerDataOut.model_validate(player_data(user)).model_dump(mode="json")
    response = HttpResponse(json.dumps(body, ensure_ascii=False, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="latentpedia-data-{_safe(user.get_username())}.json"'
    # Personal data: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


def _safe(username: str) -> str:
    """The username as a filename inside a quoted header value (Django usernames allow only
    letters, digits and @.+-_, but an admin or an OAuth provider may have set another)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "@.+-_") else "_" for c in username) or "player"
