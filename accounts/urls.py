from django.urls import path

from accounts import views

# The profile page these forms belong to is the game's (`game.urls`, name "profile").
urlpatterns = [
    path("profile/preferences", views.preferences_save, name="profile-preferences"),
    path("profile/tokens", views.token_create, name="profile-token-create"),
    path("profile/tokens/<int:token_id>/revoke", views.token_revoke, name="profile-token-revoke"),
]
