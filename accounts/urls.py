from django.urls import path
from django.views.generic import TemplateView

from accounts import views

# The profile page these forms belong to is the game's (`game.urls`, name "profile").
urlpatterns = [
    path("profile/preferences", views.preferences_save, name="profile-preferences"),
    path("profile/tokens", views.token_create, name="profile-token-create"),
    path("profile/tokens/<int:token_id>/revoke", views.token_revoke, name="profile-token-revoke"),
    path("account/delete", views.account_delete_page, name="account-delete"),
    # What a player agrees to at signup and what is kept about them: static pages.
    path("terms", TemplateView.as_view(template_name="pages/terms.html"), name="terms"),
    path("privacy", TemplateView.as_view(template_name="pages/privacy.html"), name="privacy"),
]
