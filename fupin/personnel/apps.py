from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "fupin.personnel"
    label = "personnel"
    verbose_name = _("Work teams and cadres (驻村帮扶)")
    default_auto_field = "django.db.models.BigAutoField"
