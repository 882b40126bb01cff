from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from fupin.areas.api import AreaViewSet, AreaYearViewSet, DesignationViewSet
from fupin.jobs.api import JobViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("designations", DesignationViewSet, basename="designation")
router.register("area-years", AreaYearViewSet, basename="area-year")
router.register("jobs", JobViewSet, basename="job")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]
