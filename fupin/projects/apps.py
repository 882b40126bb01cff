from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "fupin.projects"
    label = "projects"
    verbose_name = _("Projects and assets (项目库)")
    default_auto_field = "django.db.models.BigAutoField"
