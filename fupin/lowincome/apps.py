from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LowIncomeConfig(AppConfig):
    name = "fupin.lowincome"
    label = "lowincome"
    verbose_name = _("Low-income population register (低收入人口)")
    default_auto_field = "django.db.models.BigAutoField"
