"""The project pages, included by the web frame (names `web:<name>`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("helping/<str:code>/projects/", views.project_delays, name="project-delays"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/assets/", views.project_assets, name="project-assets"),
    path("helping/<str:code>/assets/", views.asset_ledger, name="asset-ledger"),
    path("helping/<str:code>/assets/export/", views.asset_ledger_export, name="asset-ledger-export"),
    path("helping/<str:code>/assets/village/", views.village_asset_ledger, name="village-asset-ledger"),
    path("helping/<str:code>/assets/village/export/", views.village_asset_ledger_export,
         name="village-asset-ledger-export"),
    path("helping/<str:code>/assets/notice/", views.village_asset_notice, name="village-asset-notice"),
]
