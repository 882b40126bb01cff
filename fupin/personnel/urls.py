from django.urls import path

from . import views

urlpatterns = [
    path("helping/<str:code>/rotation-gaps/", views.rotation_gaps, name="rotation-gaps"),
    path("helping/<str:code>/teams/", views.teams, name="teams"),
    path("helping/<str:code>/training/", views.training, name="training"),
    path("helping/<str:code>/appraisal/", views.appraisal, name="appraisal"),
    path("helping/<str:code>/appraisal/<int:pk>/", views.appraisal_scheme, name="appraisal-scheme"),
]
