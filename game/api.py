"""The game's JSON API routes (`../shared/API.md`), a ninja Router mounted at /api/ by
`latentpedia/api.py`. Views stay thin: selectors read, services write; schemas in `game/schemas.py`.

`puzzle_id` is the id of the `PuzzleView` row recorded when the puzzle was served; only the
player it was served to (same user, or same session before login) can skip or flag it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from ninja import Path, Query, Router
from ninja.responses import Status

from accounts.api_auth import ANYONE, LOGGED_IN
from accounts.api_base import ApiError, errors
from accounts.profiles import hides_explicit, profile_for
from game import selectors
from game.api_support import RateLimit, sent_as_is
from game.gold import skill_payload
from game.models import Explanation, Source
from game.puzzles import Player, puzzle_json
from game.schemas import (
    ExplanationCreated,
    ExplanationDeleted,
    ExplanationDetail,
    ExplanationEdited,
    ExplanationEditIn,
    ExplanationIn,
    ExplanationSearchOut,
    ExplanationSearchQuery,
    FeatureOut,
    FlagIn,
    FlagOut,
    LeaderboardOut,
    LeaderboardQuery,
    MeOut,
    MyVotesOut,
    PuzzleActionOut,
    PuzzleOut,
    PuzzleQuery,
    ResultsOut,
    ResultsSeenIn,
    ResultsSeenOut,
    VoteOut,
)
from game.scoring_keys import ScoringKey
from game.services import explanations as explanation_service
from game.services import points, puzzles, results, votes
from game.services.rescoring import standing_notice
from game.streaks import streak

router = Router(tags=["game"])

SLUG = r"^[-a-zA-Z0-9_]+$"  # what the URL's slug converter accepts


@router.get(
    "/feature/{slug:model}/{slug:source}/{int:index}", response={200: FeatureOut, **errors(400, 401, 404)},
    auth=ANYONE, url_name="api-feature", summary="A feature with records, explanations and logit lens",
)
def feature_detail(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG),
                   index: int = Path(..., ge=0)) -> Any:
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        raise ApiError(f"No feature {index} in {model}/{source}.", status=404)
    return sent_as_is(selectors.feature_payload(feature))


# --- Puzzles ------------------------------------------------------------------------------------


def player_for(request: HttpRequest, *, writing: bool = False) -> Player:
    """The player; an anonymous one is known by their session. Reads never start a session (a
    crawler would leave a row per request); a write does, since it needs a stable key. Serving
    a puzzle is such a write: its view row is what `puzzle_id` refers to."""
    if request.user.is_authenticated:
        return Player(user=request.user)
    if writing and not request.session.session_key:
        request.session.save()
    return Player(session_key=request.session.session_key or "")


def wants_explicit_hidden(request: HttpRequest, query: PuzzleQuery) -> bool:
    """The profile decides for players; anonymous players say so with ?hide_explicit=1
    (their onboarding answer lives in the browser until they sign up)."""
    if request.user.is_authenticated:
        return hides_explicit(request.user)
    return query.hide_explicit in {"1", "true"}


@router.get("/puzzle/next", response={200: PuzzleOut, **errors(400, 401, 404, 429)}, auth=ANYONE,
            throttle=[RateLimit("puzzle")], url_name="api-puzzle-next", summary="The next puzzle for this player (anonymous play allowed)")
def puzzle_next(request: HttpRequest, query: PuzzleQuery = Query(...)) -> Any:
    view = puzzles.puzzle_serve(player=player_for(request, writing=True))
    if view is None:
        raise ApiError("There are no puzzles to play yet.", status=404)
    return _puzzle_response(view, request, query)


@router.get("/puzzle/feature/{slug:model}/{slug:source}/{int:index}", response={200: PuzzleOut, **errors(400, 401, 404, 429)},
            auth=ANYONE, throttle=[RateLimit("puzzle")], url_name="api-puzzle-feature",
            summary="A named feature as this player's puzzle (shared links; anonymous play allowed)")
def puzzle_feature(request: HttpRequest, model: str = Path(..., pattern=SLUG), source: str = Path(..., pattern=SLUG),
                   index: int = Path(..., ge=0), query: PuzzleQuery = Query(...)) -> Any:
    view = puzzles.puzzle_serve_feature(player=player_for(request, writing=True), model=model, source=source, index=index)
    return _puzzle_response(view, request, query)


def _puzzle_response(view, request: HttpRequest, query: PuzzleQuery) -> HttpResponse:
    # Its clues are prepared JSON, spliced in as stored.
    return sent_as_is(puzzle_json(view, user=request.user, hide_explicit=wants_explicit_hidden(request, query)))


@router.get("/puzzle/{int:puzzle_id}", response={200: PuzzleOut, **errors(400, 401, 404)}, auth=ANYONE,
            url_name="api-puzzle", summary="A puzzle already served to this player")
def puzzle_detail(request: HttpRequest, puzzle_id: int, query: PuzzleQuery = Query(...)) -> Any:
    view = puzzles.puzzle_get(player=player_for(request), puzzle_id=puzzle_id)
    return _puzzle_response(view, request, query)


@router.post("/puzzle/{int:puzzle_id}/skip", response={200: PuzzleActionOut, **errors(400, 401, 403, 404)},
             auth=ANYONE, url_name="api-puzzle-skip", summary="Skip a puzzle (earns nothing)")
def puzzle_skip(request: HttpRequest, puzzle_id: int) -> Any:
    view = puzzles.puzzle_skip(player=player_for(request, writing=True), puzzle_id=puzzle_id)
    return {"puzzle_id": view.pk, "action": view.action}


@router.post("/puzzle/{int:puzzle_id}/flag", response={200: FlagOut, **errors(400, 401, 403, 404)},
             auth=LOGGED_IN, url_name="api-puzzle-flag", summary="Say none fit / polysemantic / explicit")
def puzzle_flag(request: HttpRequest, puzzle_id: int, payload: FlagIn) -> Any:
    view = puzzles.puzzle_flag(player=player_for(request, writing=True), puzzle_id=puzzle_id, reason=payload.reason)
    return {"puzzle_id": view.pk, "action": view.action, "reason": view.reason}


# --- Explanations and votes ---------------------------------------------------------------------


@router.post(
    "/explanations", response={201: ExplanationCreated, **errors(400, 401, 403, 404, 409, 429)}, auth=LOGGED_IN,
    throttle=[RateLimit("submit")], url_name="api-explanations",
    summary="Submit an explanation; queued for scoring, or a draft over the daily limit",
)
def explanation_create(request: HttpRequest, payload: ExplanationIn) -> Any:
    feature = selectors.feature_get(model=payload.model, source=payload.source, index=payload.index)
    if feature is None:
        raise ApiError(f"No feature {payload.index} in {payload.model}/{payload.source}.", status=404)
    explanation, status = explanation_service.explanation_submit(
        user=request.user, feature=feature, text=payload.text
    )
    return Status(201, {
        "id": explanation.pk,
        "status": status,
        "text": explanation.text,
        "explanations_left_today": explanation_service.explanations_left_today(user=request.user),
    })


def _explanation(explanation_id: int) -> Explanation:
    explanation = (
        Explanation.objects.select_related("author", "feature__source__model").filter(pk=explanation_id).first()
    )
    if explanation is None or explanation.hidden:
        raise ApiError(f"No explanation {explanation_id}.", status=404)
    return explanation


@router.get("/explanations/{int:explanation_id}", response={200: ExplanationDetail, **errors(400, 401, 404)},
            auth=ANYONE, url_name="api-explanation", summary="An explanation with its score")
def explanation_detail(request: HttpRequest, explanation_id: int) -> Any:
    e = _explanation(explanation_id)
    shown = ScoringKey.of_explanation(e)
    score = e.scores.filter(**shown.score_filter()).first() if shown else e.scores.order_by("-created").first()
    feature = e.feature
    return {
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
        "feature": feature.ref.as_dict(),
    }


@router.patch("/explanations/{int:explanation_id}", response={200: ExplanationEdited, **errors(400, 401, 403, 404, 409, 429)},
              auth=LOGGED_IN, throttle=[RateLimit("submit")], url_name="api-explanation",
              summary="Rewrite your own explanation before it is scored (a draft, or one still queued)")
def explanation_edit(request: HttpRequest, explanation_id: int, payload: ExplanationEditIn) -> Any:
    explanation = Explanation.objects.filter(pk=explanation_id).first()
    if explanation is None or (explanation.hidden and explanation.author_id != request.user.pk):
        raise ApiError(f"No explanation {explanation_id}.", status=404)
    edited = explanation_service.explanation_edit(explanation, by=request.user, text=payload.text)
    return {"id": edited.pk, "status": edited.status, "text": edited.text}


@router.delete("/explanations/{int:explanation_id}", response={200: ExplanationDeleted, **errors(400, 401, 403, 404, 429)},
               auth=LOGGED_IN, throttle=[RateLimit("submit")], url_name="api-explanation",
               summary="Delete your own explanation; every point earned from it is taken back")
def explanation_delete(request: HttpRequest, explanation_id: int) -> Any:
    explanation = Explanation.objects.filter(pk=explanation_id).first()
    # A hidden explanation is still its author's to delete, and still nobody else's to see.
    if explanation is None or (explanation.hidden and explanation.author_id != request.user.pk):
        raise ApiError(f"No explanation {explanation_id}.", status=404)
    explanation_service.explanation_delete(explanation, by=request.user)
    return {"explanation_id": explanation_id, "deleted": True}


def _verdict_payload(e: Explanation) -> dict[str, Any] | None:
    """Whether this score stands as a new best against the feature's best now, and why."""
    if e.score_value is None:
        return None
    v = points.judge_against_best(e)
    return {"beat": v.beat, "previous_best": v.previous_best, "difference": v.difference, "noise": v.noise,
            "message": v.message}


def _vote_payload(explanation: Explanation, result: votes.VoteResult) -> dict[str, Any]:
    return {"explanation_id": explanation.pk, "voted": result.voted, "changed": result.changed,
            "first_vote": result.first_vote, "votes": result.votes, "gold_correct": result.gold_correct}


@router.post("/explanations/{int:explanation_id}/vote", response={200: VoteOut, **errors(400, 401, 403, 404, 429)},
             auth=LOGGED_IN, throttle=[RateLimit("vote")], url_name="api-explanation-vote",
             summary="Vote (idempotent: a second vote changes nothing)")
def explanation_vote(request: HttpRequest, explanation_id: int) -> Any:
    explanation = _explanation(explanation_id)
    return _vote_payload(explanation, votes.vote_cast(user=request.user, explanation=explanation))


@router.delete("/explanations/{int:explanation_id}/vote", response={200: VoteOut, **errors(400, 401, 403, 404, 429)},
               auth=LOGGED_IN, throttle=[RateLimit("vote")], url_name="api-explanation-vote",
               summary="Take the vote back")
def explanation_unvote(request: HttpRequest, explanation_id: int) -> Any:
    explanation = _explanation(explanation_id)
    return _vote_payload(explanation, votes.vote_retract(user=request.user, explanation=explanation))


# --- Points and the player ----------------------------------------------------------------------


@router.get("/leaderboard", response={200: LeaderboardOut, **errors(400, 401)}, auth=ANYONE,
            url_name="api-leaderboard", summary="Leaderboard")
def leaderboard(request: HttpRequest, query: LeaderboardQuery = Query(...)) -> Any:
    return {"period": query.period, "mode": query.mode,
            "entries": points.leaderboard(period=query.period, mode=query.mode)}


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
        "skill": skill_payload(user),
        "streak": streak(user),
    }


@router.get("/me", response={200: MeOut, **errors(401)}, auth=LOGGED_IN, url_name="api-me",
            summary="The logged-in player")
def me(request: HttpRequest) -> Any:
    return me_payload(request.user)


@router.get("/me/votes", response={200: MyVotesOut, **errors(401)}, auth=LOGGED_IN, url_name="api-me-votes",
            summary="My votes, newest first (at most 200)")
def me_votes(request: HttpRequest) -> Any:
    """The player's votes, newest first, so they can take one back from their profile."""
    rows = (
        request.user.votes.select_related("explanation__feature__source__model")
        .filter(explanation__hidden=False)
        .order_by("-created")[:200]
    )
    return {
        "votes": [
            {"explanation_id": v.explanation_id, "text": v.explanation.text,
             "feature": v.explanation.feature.ref.as_dict(), "created": v.created.isoformat()}
            for v in rows
        ]
    }


@router.get("/me/results", response={200: ResultsOut, **errors(401)}, auth=LOGGED_IN, url_name="api-me-results",
            summary="My explanations scored (or failed) since the page last showed them")
def me_results(request: HttpRequest) -> Any:
    return results.results_unseen(request.user)


@router.post("/me/results/seen", response={200: ResultsSeenOut, **errors(400, 401, 403)}, auth=LOGGED_IN,
             url_name="api-me-results-seen", summary="Results up to `until` were shown to me")
def me_results_seen(request: HttpRequest, payload: ResultsSeenIn) -> Any:
    return {"seen_until": results.results_mark_seen(request.user, until=payload.until).isoformat()}


# --- Research reads -----------------------------------------------------------------------------


@router.get("/search/explanations", response={200: ExplanationSearchOut, **errors(400, 401, 429)}, auth=ANYONE,
            throttle=[RateLimit("search")], url_name="api-search-explanations",
            summary="Explanations matching the text, best first")
def explanation_search(request: HttpRequest, query: ExplanationSearchQuery = Query(...)) -> Any:
    results = [
        {**selectors.explanation_payload(e), "feature": e.feature.ref.as_dict()}
        for e in selectors.explanation_search(query.q)
    ]
    return {"query": query.q, "results": results}


EXPORT_DOC = {"responses": {200: {
    "description": "Every feature of the source with its activations and all explanations, scores and vote "
                   "counts: gzip-compressed JSON lines",
    "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
}}}


@router.get("/export/{slug:model}/{slug:source}.jsonl.gz", response={200: None, **errors(400, 401, 404, 429)},
            auth=ANYONE, throttle=[RateLimit("export")], url_name="api-export", openapi_extra=EXPORT_DOC,
            summary="Every feature of a source, gzip JSON lines")
def export_source(request: HttpRequest, model: str = Path(..., pattern=SLUG),
                  source: str = Path(..., pattern=SLUG)) -> Any:
    from game.exports import export_gzip_chunks

    src = Source.objects.published().select_related("model").filter(model__slug=model, slug=source).first()
    if src is None:
        raise ApiError(f"No source {source!r} for model {model!r}.", status=404)
    response = StreamingHttpResponse(export_gzip_chunks(src), content_type="application/gzip")
    response["Content-Disposition"] = f'attachment; filename="{model}-{source}.jsonl.gz"'
    return response
