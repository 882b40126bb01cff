from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from fupin.analytics.api import ReportTodayView, StatsView
from fupin.areas.api import AreaViewSet, AreaYearViewSet, DesignationViewSet
from fupin.assistance.api import DeliveredMeasureViewSet, LoanViewSet, NotVisitedView, PlanViewSet, VisitViewSet
from fupin.cooperation.api import EastWestCardView, PairingViewSet, PartyViewSet, WorkshopViewSet
from fupin.evaluation.api import (
    AppealViewSet,
    EvaluationViewSet,
    RosterEntryViewSet,
    RosterSurveyViewSet,
    SampleEntryViewSet,
)
from fupin.funds.api import FundDocumentViewSet, FundEntryViewSet
from fupin.grievances.api import GrievanceViewSet
from fupin.imports.api import HouseholdExportView, HouseholdImportView, JobFileView
from fupin.jobs.api import JobViewSet
from fupin.lowincome.api import FindingViewSet as LowIncomeFindingViewSet
from fupin.lowincome.api import MembershipViewSet as LowIncomeMembershipViewSet
from fupin.monitoring.api import DisasterViewSet, ReportView, TaskViewSet, WarningScanView, WarningViewSet
from fupin.personnel.api import (
    AppraisalSchemeViewSet,
    AppraisalScoreViewSet,
    CadreViewSet,
    CheckInViewSet,
    ContactLeaderViewSet,
    MembershipViewSet,
    TeamViewSet,
    TraineeViewSet,
    TrainingProgrammeViewSet,
)
from fupin.projects.api import (
    AssetDisposalViewSet,
    AssetIncomeShareViewSet,
    AssetIncomeViewSet,
    AssetMaintenanceViewSet,
    ProjectAssetViewSet,
    ProjectBeneficiaryViewSet,
    ProjectFundingViewSet,
    ProjectViewSet,
)
from fupin.quality.api import FindingViewSet, ScanView, SummaryView
from fupin.registry.api import DuplicateViewSet, HouseholdViewSet, MemberViewSet, SearchView
from fupin.rules.api import ExitEvaluationView
from fupin.workflows.api import CaseViewSet, NoticeViewSet, ObjectionViewSet

# No `.json` suffix routes: `?format=` does the same, and the suffix reached actions that take no `format` argument
# (a server error on /api/areas/<code>/children.json and every other detail action).
router = DefaultRouter()
router.include_format_suffixes = False
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
router.register("workshops", WorkshopViewSet, basename="workshop")
router.register("quality/findings", FindingViewSet, basename="finding")
router.register("notices", NoticeViewSet, basename="notice")
router.register("objections", ObjectionViewSet, basename="objection")
router.register("assistance/plans", PlanViewSet, basename="plan")
router.register("assistance/measures", DeliveredMeasureViewSet, basename="delivered-measure")
router.register("assistance/visits", VisitViewSet, basename="household-visit")
router.register("assistance/loans", LoanViewSet, basename="loan")
router.register("projects", ProjectViewSet, basename="project")
router.register("project-fundings", ProjectFundingViewSet, basename="project-funding")
router.register("project-beneficiaries", ProjectBeneficiaryViewSet, basename="project-beneficiary")
router.register("project-assets", ProjectAssetViewSet, basename="project-asset")
router.register("asset-incomes", AssetIncomeViewSet, basename="asset-income")
router.register("asset-maintenances", AssetMaintenanceViewSet, basename="asset-maintenance")
router.register("asset-income-shares", AssetIncomeShareViewSet, basename="asset-income-share")
router.register("asset-disposals", AssetDisposalViewSet, basename="asset-disposal")
router.register("personnel/teams", TeamViewSet, basename="personnel-team")
router.register("personnel/memberships", MembershipViewSet, basename="personnel-membership")
router.register("personnel/cadres", CadreViewSet, basename="personnel-cadre")
router.register("personnel/check-ins", CheckInViewSet, basename="personnel-check-in")
router.register("personnel/contacts", ContactLeaderViewSet, basename="personnel-contact")
router.register("personnel/programmes", TrainingProgrammeViewSet, basename="personnel-programme")
router.register("personnel/trainees", TraineeViewSet, basename="personnel-trainee")
router.register("personnel/appraisal-schemes", AppraisalSchemeViewSet, basename="personnel-scheme")
router.register("personnel/appraisal-scores", AppraisalScoreViewSet, basename="personnel-score")
router.register("fund-documents", FundDocumentViewSet, basename="fund-document")
router.register("fund-entries", FundEntryViewSet, basename="fund-entry")
router.register("monitoring/warnings", WarningViewSet, basename="risk-warning")
router.register("monitoring/tasks", TaskViewSet, basename="visit-task")
router.register("monitoring/disasters", DisasterViewSet, basename="disaster")
router.register("evaluations/third-party", EvaluationViewSet, basename="third-party-evaluation")
router.register("evaluations/third-party-samples", SampleEntryViewSet, basename="evaluation-sample")
router.register("evaluations/third-party-appeals", AppealViewSet, basename="evaluation-appeal")
router.register("evaluations/roster-surveys", RosterSurveyViewSet, basename="roster-survey")
router.register("evaluations/roster-entries", RosterEntryViewSet, basename="roster-entry")
router.register("grievances", GrievanceViewSet, basename="grievance")
router.register("lowincome/memberships", LowIncomeMembershipViewSet, basename="lowincome-membership")
router.register("lowincome/findings", LowIncomeFindingViewSet, basename="lowincome-finding")

app_name = "api"
urlpatterns = [
    # Both need a login (SPECTACULAR_SETTINGS["SERVE_PERMISSIONS"]); the docs page sends a browser to log in first.
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", login_required(SpectacularSwaggerView.as_view(url_name="api:schema")), name="docs"),
    path("search/", SearchView.as_view(), name="search"),
    path("imports/households/", HouseholdImportView.as_view(), name="household-import"),
    path("exports/households/", HouseholdExportView.as_view(), name="household-export"),
    path("jobs/<int:pk>/file/", JobFileView.as_view(), name="job-file"),
    path("evaluations/exits/", ExitEvaluationView.as_view(), name="exit-evaluations"),
    path("stats/<str:metric>/", StatsView.as_view(), name="stats"),
    path("report-today/", ReportTodayView.as_view(), name="report-today"),
    path("cooperation/east-west-card/", EastWestCardView.as_view(), name="east-west-card"),
    path("quality/scans/", ScanView.as_view(), name="quality-scan"),
    path("quality/summary/", SummaryView.as_view(), name="quality-summary"),
    path("assistance/not-visited/", NotVisitedView.as_view(), name="not-visited"),
    path("monitoring/scans/", WarningScanView.as_view(), name="monitoring-scan"),
    path("monitoring/report/", ReportView.as_view(), name="monitoring-report"),
    path("", include(router.urls)),
]
