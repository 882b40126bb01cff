from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _

# Registry audit actions that change no record (reads): no notification follows them.
_READS = ("registry.sensitive_viewed", "registry.exported")


def _registry_changed(sender, instance, created, **kwargs):
    """After a registry write commits, notify the DCI subscribers (the audit trail is the hook: every write of the
    registry, forms, API, imports and bulk services alike, appends an event, so the registry needs no change)."""
    if not created or not instance.action.startswith("registry.") or instance.action in _READS:
        return
    from django.db import connection

    from .services import notify_job_if_subscribed, schedule_notify

    if any(entry[1] is notify_job_if_subscribed for entry in connection.run_on_commit):
        return  # one run per transaction is enough: it reads every event since the last
    schedule_notify()


class DciConfig(AppConfig):
    name = "fupin.dci"
    label = "dci"
    verbose_name = _("DCI Social Registry")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from fupin.audit.models import AuditEvent

        from . import jobs  # noqa: F401  (registers the job kinds)

        post_save.connect(_registry_changed, sender=AuditEvent, dispatch_uid="dci-registry-changed")
