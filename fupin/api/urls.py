from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from fupin.analytics.api import StatsView
from fupin.areas.api import AreaViewSet, AreaYearViewSet, DesignationViewSet
from fupin.cooperation.api import EastWestCardView, PairingViewSet, PartyViewSet
from fupin.imports.api import HouseholdImportView
from fupin.jobs.api import JobViewSet
from fupin.quality.api import FindingViewSet, ScanView, SummaryView
from fupin.registry.api import DuplicateViewSet, HouseholdViewSet, MemberViewSet, SearchView
from fupin.rules.api import ExitEvaluationView
from fupin.workflows.api import CaseViewSet, NoticeViewSet, ObjectionViewSet

router = DefaultRouter()
router.register("areas", AreaViewSet, basename="area")
router.register("designations", DesignationViewSet, basename="designation")
router.register("area-years", AreaYearViewSet, basename="area-year")
router.register("jobs", JobViewSet, basename="job")
router.register("households", HouseholdViewSet, basename="household")
router.register("members", MemberViewSet, basename="member")
router.register("duplicates", DuplicateViewSet, basename="duplicate")
router.register("cases", CaseViewSet, basename="case")
router.register("parties", PartyViewSet, basename="party")
router.register("pairings", PairingViewSet, basename="pairing")
router.register("quality/findings", FindingViewSet, basename="finding")
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("search/", SearchView.as_view(), name="search"),
    path("imports/households/", HouseholdImportView.as_view(), name="household-import"),
    path("evaluations/exits/", ExitEvaluationView.as_view(), name="exit-evaluations"),
    path("stats/<str:metric>/", StatsView.as_view(), name="stats"),
    path("cooperation/east-west-card/", EastWestCardView.as_view(), name="east-west-card"),
    path("quality/scans/", ScanView.as_view(), name="quality-scan"),
    path("quality/summary/", SummaryView.as_view(), name="quality-summary"),
    path("", include(router.urls)),
]
