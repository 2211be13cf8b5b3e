from django.urls import path

from game import pages

urlpatterns = [
    path("", pages.home_page, name="home"),
    path("play", pages.play_page, name="play"),
    path("play/pending", pages.pending_explanation, name="play-pending"),
    path("predict", pages.predict_page, name="predict"),
    path("compare", pages.compare_page, name="compare"),
    path("leaderboard", pages.leaderboard_page, name="leaderboard"),
    path("help", pages.help_page, name="help"),
    path("profile", pages.profile_page, name="profile"),
    # Catch-all shape: keep it last.
    path("<slug:model>/<slug:source>/<int:index>", pages.feature_page, name="feature"),
]
