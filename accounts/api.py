"""The player's API tokens: list, create (raw value shown once), revoke."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from accounts.models import ApiToken
from accounts.tokens import api_token_create, api_token_revoke
from game.api_support import api_view, error, json_body


def token_payload(token: ApiToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "created": token.created.isoformat(),
        "last_used": token.last_used.isoformat() if token.last_used else None,
        "revoked": token.revoked.isoformat() if token.revoked else None,
    }


@api_view("GET", "POST", login=True)
def tokens(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        name = json_body(request).get("name", "")
        token, raw = api_token_create(user=request.user, name=name if isinstance(name, str) else "")
        return JsonResponse({**token_payload(token), "token": raw}, status=201)
    return JsonResponse({"tokens": [token_payload(t) for t in request.user.api_tokens.all()]})


@api_view("DELETE", login=True)
def token_revoke(request: HttpRequest, token_id: int) -> JsonResponse:
    if not api_token_revoke(user=request.user, token_id=token_id):
        return error("No such live token of yours.", 404)
    return JsonResponse({"id": token_id, "revoked": True})
