from django.urls import path

# Imported for its `user_logged_in` receiver (submits an explanation typed before login).
from accounts import adapters  # noqa: F401
from accounts import views

urlpatterns = [
    path("profile", views.profile_page, name="profile"),
    path("profile/preferences", views.preferences_save, name="profile-preferences"),
    path("profile/tokens", views.token_create, name="profile-token-create"),
    path("profile/tokens/<int:token_id>/revoke", views.token_revoke, name="profile-token-revoke"),
]
