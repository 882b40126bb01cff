"""The assistance pages, included by the web frame (names `web:<name>`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("helping/<str:code>/not-visited/", views.not_visited, name="not-visited"),
    path("helping/<str:code>/support-by-category/", views.category_support, name="support-by-category"),
    path("helping/<str:code>/relocation-follow-up/", views.relocation_follow_up, name="relocation-follow-up"),
    path("households/<int:pk>/assistance/", views.household_assistance, name="household-assistance"),
    path("households/<int:pk>/plan/", views.household_plan, name="household-plan"),
]
