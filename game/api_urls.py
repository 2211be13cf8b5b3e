from django.urls import path, re_path

from accounts import api as accounts_api
from game import api

urlpatterns = [
    path("feature/<slug:model>/<slug:source>/<int:index>", api.feature_detail, name="api-feature"),
    path("puzzle/next", api.puzzle_next, name="api-puzzle-next"),
    path("puzzle/<int:puzzle_id>", api.puzzle_detail, name="api-puzzle"),
    path("puzzle/<int:puzzle_id>/skip", api.puzzle_skip, name="api-puzzle-skip"),
    path("puzzle/<int:puzzle_id>/flag", api.puzzle_flag, name="api-puzzle-flag"),
    path("explanations", api.explanation_create, name="api-explanations"),
    path("explanations/<int:explanation_id>", api.explanation_detail, name="api-explanation"),
    path("explanations/<int:explanation_id>/vote", api.explanation_vote, name="api-explanation-vote"),
    path("explanations/<int:explanation_id>/report", api.explanation_report, name="api-explanation-report"),
    path("leaderboard", api.leaderboard, name="api-leaderboard"),
    path("me", api.me, name="api-me"),
    path("me/preferences", api.me_preferences, name="api-me-preferences"),
    path("me/votes", api.me_votes, name="api-me-votes"),
    path("me/tokens", accounts_api.tokens, name="api-me-tokens"),
    path("me/tokens/<int:token_id>", accounts_api.token_revoke, name="api-me-token"),
    path("search/explanations", api.explanation_search, name="api-search-explanations"),
    path("export/<slug:model>/<slug:source>.jsonl.gz", api.export_source, name="api-export"),
    path("openapi.json", api.openapi, name="api-openapi"),
    # Last: any other /api/ path answers JSON, never an HTML 404 page.
    re_path(r"^[\s\S]*$", api.not_found, name="api-not-found"),  # newlines too
]
