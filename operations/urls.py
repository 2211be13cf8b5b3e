from django.urls import path

from operations import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("operators", views.operators_page, name="operators"),
    path("operators/jobs/<int:job_id>/retry", views.job_retry, name="operators-job-retry"),
]
