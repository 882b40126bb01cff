from django.urls import path

from . import views

urlpatterns = [
    path("imports/households/", views.household_import, name="household-import"),
    path("exports/households/", views.household_export, name="household-export"),
]
