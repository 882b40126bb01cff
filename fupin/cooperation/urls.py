from django.urls import path

from . import views

urlpatterns = [
    path("cooperation/<str:code>/", views.pairings, name="pairings"),
    path("cooperation/<str:code>/add/", views.pairing_add, name="pairing-add"),
    path("cooperation/<str:code>/<int:pk>/end/", views.pairing_end, name="pairing-end"),
    path("cooperation/<str:code>/workshops/", views.workshops, name="workshops"),
    path("workshops/<int:pk>/", views.workshop, name="workshop"),
]
