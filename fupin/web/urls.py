from django.contrib.auth import views as auth_views
from django.urls import path

from . import cooperation, helping, household, quality, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("areas/", views.area_browse, name="areas"),
    path("areas/<str:code>/", views.area_browse, name="area"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard-area"),
    path("maps/children/", views.area_map, name="map"),
    path("maps/children/<str:code>/", views.area_map, name="map-area"),
    path("jobs/", views.jobs, name="jobs"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("imports/households/", views.household_import, name="household-import"),
    path("quality/<str:code>/", quality.findings, name="quality"),
    path("cooperation/<str:code>/", cooperation.pairings, name="pairings"),
    path("cooperation/<str:code>/add/", cooperation.pairing_add, name="pairing-add"),
    path("cooperation/<str:code>/<int:pk>/end/", cooperation.pairing_end, name="pairing-end"),
    path("helping/<str:code>/", helping.helping, name="helping"),
    path("helping/<str:code>/not-visited/", helping.not_visited, name="not-visited"),
    path("helping/<str:code>/projects/", helping.project_delays, name="project-delays"),
    path("helping/<str:code>/rotation-gaps/", helping.rotation_gaps, name="rotation-gaps"),
    path("funds/<int:pk>/trace/", helping.fund_trace, name="fund-trace"),
    path("projects/<int:pk>/", helping.project_detail, name="project"),
    path("households/<int:pk>/assistance/", helping.household_assistance, name="household-assistance"),
    path("households/<int:pk>/", household.household_file_page, name="household"),
    path("households/<int:pk>/handbook.pdf", household.household_handbook, name="household-handbook"),
    path("households/<int:pk>/card.pdf", household.household_card_pdf, name="household-card"),
]
