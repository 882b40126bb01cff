from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "fupin.imports"
    label = "imports"
    verbose_name = _("Imports")

    def ready(self):
        from . import exports  # noqa: F401  (registers the export job kind)
