"""A URL whose view fails, to check the 500 page (the root handlers of config.urls)."""

from django.urls import path

from config.urls import handler500  # noqa: F401 (the handler is looked up here)
from config.urls import urlpatterns as root_patterns


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *root_patterns]
