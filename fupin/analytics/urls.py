"""The statistics pages, included by the web frame (names `web:<name>`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("report-today/<str:code>/", views.report_today, name="report-today"),
    path("report-today/<str:code>/export/", views.report_today_export, name="report-today-export"),
]
