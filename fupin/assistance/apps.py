from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "fupin.assistance"
    label = "assistance"
    verbose_name = _("Household assistance (一户一策)")
    default_auto_field = "django.db.models.BigAutoField"
