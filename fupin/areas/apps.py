from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AreasConfig(AppConfig):
    name = "fupin.areas"
    label = "areas"
    verbose_name = _("Administrative areas")

    def ready(self):
        from . import jobs  # noqa: F401  (registers the job kinds)
