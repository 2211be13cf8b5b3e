from django.contrib import admin
from django.urls import include, path, re_path

from latentpedia import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path(api.PREFIX, api.urls()),
    # Then any other /api/ path answers JSON, never an HTML 404 page (newlines too).
    path(api.PREFIX, include([re_path(r"^[\s\S]*$", api.not_found, name="api-not-found")])),
    path("", include("accounts.urls")),
    path("", include("operations.urls")),
    path("", include("moderation.urls")),
    path("", include("research.urls")),
    path("", include("game.urls")),
]

handler404 = "latentpedia.errors.page_not_found"
handler500 = "latentpedia.errors.server_error"
