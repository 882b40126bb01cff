from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "fupin.projects"
    label = "projects"
    verbose_name = _("Projects and assets (项目库)")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The East–West cooperation card counts the projects East–West aid paid for; cooperation knows nothing of
        # projects (references go one way, ADR 0008), so projects adds its figures to the card.
        from fupin.cooperation.report import CARD_EXTENSIONS

        from .report import east_west_project_figures

        CARD_EXTENSIONS.append(east_west_project_figures)
