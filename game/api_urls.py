from django.urls import path

from game import api

urlpatterns = [
    path("feature/<slug:model>/<slug:source>/<int:index>", api.feature_detail, name="api-feature"),
]
