"""The game's other modes over the JSON API: human simulation and "this or that".

A ninja Router mounted at /api/ by `latentpedia/api.py`. Handlers stay thin: the services in
`game.services.simulation` and `game.services.comparisons` do the work.
"""

from __future__ import annotations

import random
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.api_auth import LOGGED_IN
from accounts.api_base import ApiError, In, errors
from game.api_support import RateLimit
from game.ratings import feature_ratings
from game.schemas import FeatureRefOut, HumanScoreOut
from game.selectors import human_score_of, record_payload
from game.services import comparisons, simulation

router = Router(tags=["modes"])


class TextOut(Schema):
    id: int
    text: str


class SnippetOut(Schema):
    tokens: list[str]


class SimulationTaskOut(Schema):
    task_id: int
    explanation: TextOut
    snippets: list[SnippetOut] = Field(description="unseen snippets, some where the feature fires and some not, shuffled")


class SimulationIn(In):
    marks: list[list[int]] = Field(description="per snippet, the positions of the tokens you predict it fires on")


class SimulationResultOut(Schema):
    task_id: int
    token_correlation: float | None
    balanced_accuracy: float | None
    points: int
    fired: list[bool] = Field(description="per snippet, whether the feature fires on it")
    human_score: HumanScoreOut


class ComparisonOut(Schema):
    comparison_id: int
    feature: FeatureRefOut
    clues: list[dict[str, Any]]
    left: TextOut
    right: TextOut


class ComparisonIn(In):
    winner: int = Field(description="the id of the better explanation of the two")


class PairRatingOut(Schema):
    explanation_id: int
    rating: float
    stderr: float
    comparisons: int


class ComparisonResultOut(Schema):
    comparison_id: int
    winner: int
    ratings: list[PairRatingOut]


def _task_out(task) -> dict[str, Any]:
    records = simulation.task_records(task)
    return {
        "task_id": task.pk,
        "explanation": {"id": task.explanation_id, "text": task.explanation.text},
        "snippets": [{"tokens": r.tokens()} for r in records],
    }


@router.get("/simulate/next", response={200: SimulationTaskOut, **errors(401, 404, 429)}, auth=LOGGED_IN,
            throttle=[RateLimit("puzzle")], url_name="api-simulate-next",
            summary="An explanation and unseen snippets: predict where the feature fires")
def simulate_next(request: HttpRequest) -> Any:
    task = simulation.simulation_next(user=request.user, rng=random.Random())
    if task is None:
        raise ApiError("There is nothing to simulate yet: explanations need scoring first.", status=404)
    return _task_out(task)


@router.post("/simulate/{int:task_id}", response={200: SimulationResultOut, **errors(400, 401, 403, 404, 409, 429)},
             auth=LOGGED_IN, throttle=[RateLimit("vote")], url_name="api-simulate-answer",
             summary="Send your marks; get how well they predicted")
def simulate_answer(request: HttpRequest, task_id: int, payload: SimulationIn) -> Any:
    outcome = simulation.simulation_answer(user=request.user, task_id=task_id, marks=payload.marks)
    task = outcome.task
    return {
        "task_id": task.pk,
        "token_correlation": task.token_correlation,
        "balanced_accuracy": task.balanced_accuracy,
        "points": outcome.points,
        "fired": outcome.fired,
        "human_score": human_score_of(task.explanation),
    }


@router.get("/compare/next", response={200: ComparisonOut, **errors(401, 404, 429)}, auth=LOGGED_IN,
            throttle=[RateLimit("puzzle")], url_name="api-compare-next",
            summary="Two explanations of one feature: which is better?")
def compare_next(request: HttpRequest) -> Any:
    pair = comparisons.comparison_next(user=request.user, rng=random.Random())
    if pair is None:
        raise ApiError("There is no pair to compare yet: features need two explanations.", status=404)
    feature = pair.feature
    model = feature.source.model
    return {
        "comparison_id": pair.pk,
        "feature": feature.ref.as_dict(),
        "clues": [record_payload(r, model) for r in comparisons.pair_clues(feature)],
        "left": {"id": pair.left_id, "text": pair.left.text},
        "right": {"id": pair.right_id, "text": pair.right.text},
    }


@router.post("/compare/{int:comparison_id}", response={200: ComparisonResultOut, **errors(400, 401, 403, 404, 409, 429)},
             auth=LOGGED_IN, throttle=[RateLimit("vote")], url_name="api-compare-answer",
             summary="Pick the better explanation of the pair")
def compare_answer(request: HttpRequest, comparison_id: int, payload: ComparisonIn) -> Any:
    pair = comparisons.comparison_answer(user=request.user, comparison_id=comparison_id, winner_id=payload.winner)
    return {"comparison_id": pair.pk, "winner": pair.winner_id, "ratings": feature_ratings(pair.feature)}
