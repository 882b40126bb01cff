from django.urls import path

from . import api

app_name = "field-api"
urlpatterns = [
    path("data/", api.BundleView.as_view(), name="data"),
    path("sync/", api.SyncView.as_view(), name="sync"),
]
