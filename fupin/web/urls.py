from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import helping, home, household, views

app_name = "web"
urlpatterns = [
    path("", home.home, name="home"),
    path("login/", views.ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("search/", views.search, name="search"),
    path("areas/", views.area_browse, name="areas"),
    path("areas/<str:code>/", views.area_browse, name="area"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<str:code>/", views.dashboard, name="dashboard-area"),
    path("maps/children/", views.area_map, name="map"),
    path("maps/children/<str:code>/", views.area_map, name="map-area"),
    path("", include("fupin.jobs.urls")),
    path("", include("fupin.imports.urls")),
    path("", include("fupin.rules.urls")),
    path("", include("fupin.quality.urls")),
    path("", include("fupin.cooperation.urls")),
    path("", include("fupin.personnel.urls")),
    path("helping/<str:code>/", helping.helping, name="helping"),
    path("", include("fupin.assistance.urls")),
    path("", include("fupin.projects.urls")),
    path("", include("fupin.funds.urls")),
    path("", include("fupin.registry.urls")),
    path("", include("fupin.workflows.urls")),
    path("", include("fupin.lowincome.urls")),
    path("", include("fupin.grievances.urls")),
    path("", include("fupin.field.urls")),
    path("", include("fupin.analytics.urls")),
    path("households/<int:pk>/", household.household_file_page, name="household"),
    path("households/<int:pk>/handbook.pdf", household.household_handbook, name="household-handbook"),
    path("households/<int:pk>/card.pdf", household.household_card_pdf, name="household-card"),
]
