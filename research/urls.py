from django.urls import path

from research import pages

urlpatterns = [
    path("search", pages.search_page, name="search"),
    path("activity", pages.activity_page, name="activity"),
    path("lists/<int:list_id>", pages.list_page, name="feature-list"),
    path("u/<str:username>", pages.player_page, name="player"),
    path("map/<slug:model>/<slug:source>", pages.map_page, name="feature-map"),
    path("sources/upload", pages.upload_page, name="source-upload"),
]
