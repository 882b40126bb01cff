"""The low-income register's pages, included by the web frame (names `web:<name>`)."""

from django.urls import path

from . import views

urlpatterns = [
    path("lowincome/<str:code>/", views.register, name="lowincome"),
    path("lowincome/<str:code>/reevaluation/", views.reevaluation_page, name="lowincome-reevaluation"),
    path("lowincome/<str:code>/import/", views.list_import, name="lowincome-import"),
]
