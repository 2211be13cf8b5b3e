"""`POST /api/activation/test`, `POST /api/search/all` and `POST /api/steer` (`shared/API.md`):
run the model on a visitor's text. A ninja Router mounted at /api/ by `latentpedia/api.py`; the
work is in `services`.

The first two need no CSRF token: they only compute (no state changes, nothing tied to the
session), so a forged cross-site request gains nothing, and outside scripts may call them
without a token. Abuse is held back by the per-IP rate limit (`INFERENCE_RATE_LIMIT`) instead.
Steering generates text twice per call: it is for logged-in users (session with CSRF, or a
Bearer token) under a budget of its own (`steer:user`, `steer:ip`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router

from accounts.api_auth import ANYONE_NO_CSRF, LOGGED_IN
from accounts.api_base import errors
from game.api_support import RateLimit
from research import services
from research.schemas import (
    ActivationIn,
    ActivationOut,
    SearchAllIn,
    SearchAllOut,
    SteerIn,
    SteerOut,
)

router = Router(tags=["research"])

ERRORS = errors(400, 401, 404, 413, 429, 502, 503)


@router.post("/activation/test", response={200: ActivationOut, **ERRORS}, auth=ANYONE_NO_CSRF,
             throttle=[RateLimit("inference")], url_name="api-activation-test",
             summary="One feature's activations on your text")
def activation_test(request: HttpRequest, payload: ActivationIn) -> Any:
    return services.feature_activation(payload)


@router.post("/search/all", response={200: SearchAllOut, **ERRORS}, auth=ANYONE_NO_CSRF,
             throttle=[RateLimit("inference")], url_name="api-search-all",
             summary="Rank all features by activation on your text")
def search_all(request: HttpRequest, payload: SearchAllIn) -> Any:
    return services.search_all(payload)


@router.post("/steer", response={200: SteerOut, **errors(400, 401, 403, 404, 413, 429, 502, 503)}, auth=LOGGED_IN,
             throttle=[RateLimit("steer")], url_name="api-steer",
             summary="Generate text with a feature pushed harder, beside the text without (one seed)")
def steer(request: HttpRequest, payload: SteerIn) -> Any:
    return services.steer(payload)
