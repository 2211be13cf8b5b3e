from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include("inference_client.urls")),
    path("api/", include("game.api_urls")),
    path("", include("accounts.urls")),
    path("", include("game.urls")),
]

handler500 = "latentpedia.errors.server_error"
