"""The register's pages; included by fupin.web.urls, so their names are `web:<name>`."""

from django.urls import path

from . import views

urlpatterns = [
    path("households/new/", views.household_new, name="household-new"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:pk>/members/new/", views.member_add, name="member-add"),
    path("households/<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member-edit"),
]
