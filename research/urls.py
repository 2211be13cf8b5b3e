from django.urls import path

from research import pages

urlpatterns = [
    path("search", pages.search_page, name="search"),
]
