from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "fupin.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self):
        from . import checks  # noqa: F401  (registers the key check)
        from .keys import require_configured

        # Production has no development key: without a key of its own every process refuses to start, before a
        # single change could be recorded under a hash anyone can recompute.
        require_configured()
