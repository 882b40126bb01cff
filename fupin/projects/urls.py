"""The project pages, included by the web frame (names `web:<name>`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("helping/<str:code>/projects/", views.project_delays, name="project-delays"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
]
