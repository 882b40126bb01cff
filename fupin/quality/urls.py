from django.urls import path

from . import views

urlpatterns = [
    path("quality/<str:code>/", views.findings, name="quality"),
]
