"""HTML pages: the game (play, predict, compare, leaderboard, help, the player's profile) and
the researcher feature page.

Pages render a shell and the data they need up front; the puzzle itself comes from the
JSON API, so the page and outside clients see exactly the same thing.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from accounts.views import account_settings_context
from game import selectors
from game.models import Vote
from game.pending import PENDING_RESULT_KEY, pending_save
from game.refs import FeatureRef
from game.services.explanations import daily_limit
from game.services.points import leaderboard, period_start

POINTS_FILE = Path(__file__).resolve().parent / "POINTS.md"


def feature_page(request: HttpRequest, model: str, source: str, index: int) -> HttpResponse:
    feature = selectors.feature_get(model=model, source=source, index=index)
    if feature is None:
        raise Http404(f"No feature {index} in {model}/{source}.")
    return render(request, "game/feature.html", selectors.feature_page_context(feature))


def _left_today(user) -> int | None:
    try:
        from game.services.explanations import explanations_left_today
    except ImportError:  # pragma: no cover - the service is written by the backend
        return None
    return explanations_left_today(user=user)


def home_page(request: HttpRequest) -> HttpResponse:
    """The front page for strangers: what the game is for, what happens to their answers, how
    far the players have got this week, and one button to play."""
    if "feature" in request.GET:
        # Links to a puzzle made when play lived at `/` keep working.
        return redirect(f"{reverse('play')}?{request.GET.urlencode()}")
    since = period_start("week")
    return render(request, "game/home.html", {
        "progress": selectors.site_progress(since=since),
        "top_players": leaderboard(period="week", limit=5),
        "daily_limit": daily_limit(),
        "nav": "home",
    })


@ensure_csrf_cookie
def play_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    authenticated = user.is_authenticated
    # `?feature=model/source/index`: where a login sends the player back.
    resume = FeatureRef.parse(request.GET.get("feature", ""))
    config = {
        "authenticated": authenticated,
        "username": user.get_username() if authenticated else None,
        "resume": resume.as_dict() if resume else None,
        # Set by game.signals when the text typed before signing up was submitted.
        "pendingResult": request.session.pop(PENDING_RESULT_KEY, None),
        "maxChars": settings.EXPLANATION_MAX_CHARS,
        "dailyLimit": daily_limit(),
        "left_today": _left_today(user) if authenticated else None,
        "hasVoted": authenticated and Vote.objects.filter(user=user).exists(),
        "pendingUrl": reverse("play-pending"),
        "loginUrl": reverse("account_login"),
        "signupUrl": reverse("account_signup"),
    }
    return render(request, "game/play.html", {"config": config, "nav": "play"})


@require_POST
def pending_explanation(request: HttpRequest) -> JsonResponse:
    """Keep a logged-out player's explanation in their session until they sign up or log in."""
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The request body is not valid JSON."}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "Send a JSON object with model, source, index and text."}, status=400)
    try:
        pending = pending_save(request, body)
    except ValueError as exc:
        return JsonResponse({"error": str(exc.args[0]), "field": exc.args[1]}, status=400)
    except LookupError as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    return JsonResponse({"kept": True, "text": pending["text"]})


@login_required
@ensure_csrf_cookie
def profile_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "nav": "profile",
        "explanations": selectors.player_explanations(user),
        "votes": selectors.player_votes(user),
        **account_settings_context(request),
    }
    return render(request, "game/profile.html", context)


def _mode_page(request: HttpRequest, template: str, url_name: str) -> HttpResponse:
    """Predict and compare: the task comes from the JSON API; a visitor who is not logged in
    gets the page with a log-in prompt that brings them back here."""
    back = urlencode({"next": reverse(url_name)})
    config = {
        "authenticated": request.user.is_authenticated,
        "loginUrl": f"{reverse('account_login')}?{back}",
        "signupUrl": f"{reverse('account_signup')}?{back}",
    }
    return render(request, template, {"config": config, "nav": "play"})


@ensure_csrf_cookie
def predict_page(request: HttpRequest) -> HttpResponse:
    return _mode_page(request, "game/predict.html", "predict")


@ensure_csrf_cookie
def compare_page(request: HttpRequest) -> HttpResponse:
    return _mode_page(request, "game/compare.html", "compare")


# The API's board names, with the words players see on the tabs.
LEADERBOARD_MODES = {"all": "All", "explain": "Explain", "vote": "Vote", "simulate": "Predict"}


def leaderboard_page(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period", "day")
    if period not in {"day", "week", "all"}:
        period = "day"
    mode = request.GET.get("mode", "all")
    if mode not in LEADERBOARD_MODES:
        mode = "all"
    return render(request, "game/leaderboard.html", {"period": period, "mode": mode, "nav": "leaderboard",
                                                     "modes": LEADERBOARD_MODES.items()})


def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "game/help.html", {"points_html": _points_html(), "nav": "help",
                                              "daily_limit": daily_limit(),
                                              "max_chars": settings.EXPLANATION_MAX_CHARS})


def _points_html() -> str:
    """game/POINTS.md rendered with raw HTML disabled, so the file cannot inject markup."""
    if not POINTS_FILE.exists():
        return ""
    from markdown_it import MarkdownIt

    text = POINTS_FILE.read_text(encoding="utf-8")
    # The maintainers' note on the first line is an HTML comment, which html=False would show.
    text = "\n".join(line for line in text.splitlines() if not line.startswith("<!--"))
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(text)
