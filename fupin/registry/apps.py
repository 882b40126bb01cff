from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "fupin.registry"
    label = "registry"
    verbose_name = _("Registry (建档立卡)")

    def ready(self):
        from . import (
            checks,  # noqa: F401  (registers the database collation check)
            jobs,  # noqa: F401  (registers the job kinds)
            references,
        )

        references.register()
