"""The fund pages, included by the web frame (names `web:<name>`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("funds/<int:pk>/trace/", views.fund_trace, name="fund-trace"),
    path("funds/<int:pk>/ledger/", views.fund_ledger, name="fund-ledger"),
    path("helping/<str:code>/linked-funds/", views.linked_funds, name="linked-funds"),
    path("helping/<str:code>/linked-funds/export/", views.linked_funds_export, name="linked-funds-export"),
]
