from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "fupin.cooperation"
    label = "cooperation"
    verbose_name = _("Cooperation and pairings (结对帮扶)")
    default_auto_field = "django.db.models.BigAutoField"
