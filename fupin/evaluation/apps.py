from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "fupin.evaluation"
    label = "evaluation"
    verbose_name = _("Third-party evaluation (第三方评估)")
    default_auto_field = "django.db.models.BigAutoField"
