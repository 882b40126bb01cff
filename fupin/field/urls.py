from django.urls import path

from . import views

urlpatterns = [
    path("field/", views.app, name="field"),
    path("field/sw.js", views.service_worker, name="field-sw"),
    path("field/manifest.webmanifest", views.manifest, name="field-manifest"),
    path("field/photos/<int:visit>/<int:number>/", views.photo, name="field-photo"),
    path("field/photos/<int:visit>/<int:number>/thumbnail/", views.photo, {"thumbnail": True},
         name="field-photo-thumbnail"),
]
