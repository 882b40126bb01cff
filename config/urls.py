from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The field app's API lives with the app (fupin.field sits beside fupin.api in the top layer).
    path("api/field/", include("fupin.field.api_urls")),
    path("api/", include("fupin.api.urls")),
    path("dci/", include("fupin.dci.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("fupin.web.urls")),
]

handler400 = "fupin.web.errors.bad_request"
handler404 = "fupin.web.errors.page_not_found"
handler500 = "fupin.web.errors.server_error"
