from django.urls import path

from moderation import views

urlpatterns = [
    path("moderation", views.queue_page, name="moderation"),
    path("moderation/act", views.act, name="moderation-act"),
    path("moderation/words", views.words, name="moderation-words"),
    path("moderation/sources", views.source_act, name="moderation-source"),
    path("moderation/warnings/<int:entry_id>/seen", views.warning_acknowledge, name="moderation-warning-seen"),
]
