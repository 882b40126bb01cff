from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "fupin.field"
    label = "field"
    verbose_name = _("Field app (offline work in villages)")
    default_auto_field = "django.db.models.BigAutoField"
