"""The public JSON API (`../shared/API.md`). Views stay thin: selectors read, services write.

`puzzle_id` is the id of the `PuzzleView` row recorded when the puzzle was served; only the
player it was served to (same user, or same session before login) can skip or flag it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.profiles import hides_explicit, preferences_update, profile_for
from game import selectors
from game.api_support import BadRequest, api_view, error, json_body, not_found  # noqa: F401 (not_found: urls)
from game.models import Explanation
from game.puzzles import Player, puzzle_payload
from game.scoring_keys import ScoringKey
from game.services.rescoring import standing_notice
from game.services import explanations as explanation_service
from game.services import points, puzzles, votes


@api_view("GET")
def feature_detail(request: HttpRequest, model: str, source: str, index: int) -> JsonResponse:
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        return error(f"No feature {index} in {model}/{source}.", 404)
    return JsonResponse(selectors.feature_payload(feature))


# --- Puzzles ------------------------------------------------------------------------------------


def player_for(request: HttpRequest) -> Player:
    if request.user.is_authenticated:
        return Player(user=request.user)
    if not request.session.session_key:
        request.session.save()  # anonymous play needs a stable key
    return Player(session_key=request.session.session_key)


def wants_explicit_hidden(request: HttpRequest) -> bool:
    """The profile decides for players; anonymous players say so with ?hide_explicit=1
    (their onboarding answer lives in the browser until they sign up)."""
    if request.user.is_authenticated:
        return hides_explicit(request.user)
    return request.GET.get("hide_explicit") in {"1", "true"}


@api_view("GET")
def puzzle_next(request: HttpRequest) -> JsonResponse:
    if request.user.is_authenticated:
        explanation_service.promote_drafts(request.user)  # a new day's allowance queues drafts
    view = puzzles.puzzle_serve(player=player_for(request))
    if view is None:
        return error("There are no puzzles to play yet.", 404)
    return JsonResponse(puzzle_payload(view, user=request.user, hide_explicit=wants_explicit_hidden(request)))


@api_view("GET")
def puzzle_detail(request: HttpRequest, puzzle_id: int) -> JsonResponse:
    view = puzzles.puzzle_get(player=player_for(request), puzzle_id=puzzle_id)
    return JsonResponse(puzzle_payload(view, user=request.user, hide_explicit=wants_explicit_hidden(request)))


@api_view("POST")
def puzzle_skip(request: HttpRequest, puzzle_id: int) -> JsonResponse:
    view = puzzles.puzzle_skip(player=player_for(request), puzzle_id=puzzle_id)
    return JsonResponse({"puzzle_id": view.pk, "action": view.action})


@api_view("POST", login=True)
def puzzle_flag(request: HttpRequest, puzzle_id: int) -> JsonResponse:
    reason = json_body(request).get("reason")
    if not isinstance(reason, str):
        raise BadRequest("Say why: reason is none_fit, polysemantic or explicit.", field="reason")
    view = puzzles.puzzle_flag(player=player_for(request), puzzle_id=puzzle_id, reason=reason)
    return JsonResponse({"puzzle_id": view.pk, "action": view.action, "reason": view.reason})


# --- Explanations and votes ---------------------------------------------------------------------


def _field(data: dict[str, Any], name: str, kind: type) -> Any:
    value = data.get(name)
    if kind is int and isinstance(value, str) and value.isdigit():
        value = int(value)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise BadRequest(f"Missing or invalid field {name!r}.", field=name)
    return value


@api_view("POST", login=True, rate=("submit",))
def explanation_create(request: HttpRequest) -> JsonResponse:
    data = json_body(request)
    model, source = _field(data, "model", str), _field(data, "source", str)
    index = _field(data, "index", int)
    text = data.get("text")
    if not isinstance(text, str):
        raise BadRequest("Write an explanation first: text is missing.", field="text")
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        return error(f"No feature {index} in {model}/{source}.", 404)
    explanation, status = explanation_service.explanation_submit(user=request.user, feature=feature, text=text)
    return JsonResponse(
        {
            "id": explanation.pk,
            "status": status,
            "text": explanation.text,
            "explanations_left_today": explanation_service.explanations_left_today(user=request.user),
        },
        status=201,
    )


def _explanation(explanation_id: int) -> Explanation:
    explanation = (
        Explanation.objects.select_related("author", "feature__source__model").filter(pk=explanation_id).first()
    )
    if explanation is None or explanation.hidden:
        raise BadRequest(f"No explanation {explanation_id}.", status=404)
    return explanation


@api_view("GET")
def explanation_detail(request: HttpRequest, explanation_id: int) -> JsonResponse:
    e = _explanation(explanation_id)
    shown = ScoringKey.of_explanation(e)
    score = e.scores.filter(**shown.score_filter()).first() if shown else e.scores.order_by("-created").first()
    feature = e.feature
    return JsonResponse(
        {
            "id": e.pk,
            "text": e.text,
            "author": e.author_name,
            "author_kind": e.author_kind,
            "status": e.status,
            "score": e.score_value,
            "score_method": e.score_method or (score.method if score else None),
            "score_status": score.status if score else None,
            "score_stderr": score.stderr if score else None,
            "score_version": score.version if score else None,
            "pack_version": score.pack_version if score else None,
            "score_details": selectors.public_score_details(score.details, in_play=feature.in_play) if score else {},
            "best_verdict": _verdict_payload(e),
            "votes": e.vote_count,
            "created": e.created.isoformat(),
            "feature": {"model": feature.source.model.slug, "source": feature.source.slug, "index": feature.index},
        }
    )


def _verdict_payload(e: Explanation) -> dict[str, Any] | None:
    """Whether this score stands as a new best against the feature's best now, and why."""
    if e.score_value is None:
        return None
    v = points.judge_new_best(e, points.best_rival(e))
    return {"beat": v.beat, "previous_best": v.previous_best, "difference": v.difference, "noise": v.noise,
            "message": v.message}


@api_view("POST", "DELETE", login=True, rate=("vote",))
def explanation_vote(request: HttpRequest, explanation_id: int) -> JsonResponse:
    explanation = _explanation(explanation_id)
    if request.method == "POST":
        result = votes.vote_cast(user=request.user, explanation=explanation)
    else:
        result = votes.vote_retract(user=request.user, explanation=explanation)
    return JsonResponse(
        {
            "explanation_id": explanation.pk,
            "voted": result.voted,
            "changed": result.changed,
            "first_vote": result.first_vote,
            "votes": result.votes,
        }
    )


@api_view("POST", login=True, rate=("vote",))
def explanation_report(request: HttpRequest, explanation_id: int) -> JsonResponse:
    from game.services.moderation import explanation_report as report

    explanation = _explanation(explanation_id)
    body = json_body(request)
    created, hidden = report(
        user=request.user, explanation=explanation, reason=str(body.get("reason", "")), note=str(body.get("note", ""))
    )
    return JsonResponse({"explanation_id": explanation.pk, "reported": True, "created": created}, status=201 if created else 200)


# --- Points and the player ----------------------------------------------------------------------


@api_view("GET")
def leaderboard(request: HttpRequest) -> JsonResponse:
    period = request.GET.get("period", "all")
    if period not in points.PERIODS:
        raise BadRequest("period must be day, week or all.", field="period")
    return JsonResponse({"period": period, "entries": points.leaderboard(period=period)})


def me_payload(user) -> dict[str, Any]:
    return {
        "username": user.get_username(),
        "points": points.points_total(user=user),
        "points_today": points.points_total(user=user, period="day"),
        "points_week": points.points_total(user=user, period="week"),
        "explanations_left_today": explanation_service.explanations_left_today(user=user),
        "daily_limit": explanation_service.daily_limit(),
        "drafts": Explanation.objects.filter(author=user, status=Explanation.Status.DRAFT).count(),
        "preferences": profile_for(user).preferences(),
        "has_voted": votes.has_voted(user=user),
        "scoring_notice": standing_notice(),
    }


@api_view("GET", login=True)
def me(request: HttpRequest) -> JsonResponse:
    explanation_service.promote_drafts(request.user)
    return JsonResponse(me_payload(request.user))


@api_view("PATCH", "POST", login=True)
def me_preferences(request: HttpRequest) -> JsonResponse:
    try:
        profile = preferences_update(user=request.user, changes=json_body(request))
    except ValueError as exc:
        message, name = exc.args
        raise BadRequest(message, field=name) from None
    return JsonResponse({"preferences": profile.preferences()})


@api_view("GET", login=True)
def me_votes(request: HttpRequest) -> JsonResponse:
    """The player's votes, newest first, so they can take one back from their profile."""
    rows = (
        request.user.votes.select_related("explanation__feature__source__model")
        .filter(explanation__hidden=False)
        .order_by("-created")[:200]
    )
    return JsonResponse(
        {
            "votes": [
                {
                    "explanation_id": v.explanation_id,
                    "text": v.explanation.text,
                    "feature": {
                        "model": v.explanation.feature.source.model.slug,
                        "source": v.explanation.feature.source.slug,
                        "index": v.explanation.feature.index,
                    },
                    "created": v.created.isoformat(),
                }
                for v in rows
            ]
        }
    )


@api_view("GET", rate=("search",))
def explanation_search(request: HttpRequest) -> JsonResponse:
    query = (request.GET.get("q") or "").strip()
    if not query:
        raise BadRequest("Give the text to search for in ?q=.", field="q")
    if len(query) > 200:
        raise BadRequest("The search text is too long (200 characters at most).", field="q")
    results = [
        {**selectors.explanation_payload(e),
         "feature": {"model": e.feature.source.model.slug, "source": e.feature.source.slug, "index": e.feature.index}}
        for e in selectors.explanation_search(query)
    ]
    return JsonResponse({"query": query, "results": results})


@api_view("GET", rate=("export",))
def export_source(request: HttpRequest, model: str, source: str) -> HttpResponse:
    from django.http import StreamingHttpResponse

    from game.exports import export_gzip_chunks
    from game.models import Source

    src = Source.objects.select_related("model").filter(model__slug=model, slug=source).first()
    if src is None:
        return error(f"No source {source!r} for model {model!r}.", 404)
    response = StreamingHttpResponse(export_gzip_chunks(src), content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{model}-{source}.jsonl.gz"'
    return response


@api_view("GET")
def openapi(request: HttpRequest) -> JsonResponse:
    from game.openapi import openapi_document

    return JsonResponse(openapi_document())
