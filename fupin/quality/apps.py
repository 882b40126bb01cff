from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "fupin.quality"
    label = "quality"
    verbose_name = _("Data quality (数据质量)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import jobs  # noqa: F401  (registers the scan job)
