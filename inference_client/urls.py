from django.urls import path

from inference_client import api

urlpatterns = [
    path("activation/test", api.activation_test, name="api-activation-test"),
    path("search/all", api.search_all, name="api-search-all"),
]
