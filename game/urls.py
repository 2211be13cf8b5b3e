from django.urls import path

from game import pages

urlpatterns = [
    path("<slug:model>/<slug:source>/<int:index>", pages.feature_page, name="feature"),
]
