"""Rollups follow the registry: an import or a procedure's decision queues one refresh (incremental) as the
system account, unless one is already waiting."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.dispatch import receiver

from fupin.core.signals import registry_changed
from fupin.jobs.models import Job, JobStatus
from fupin.jobs.services import job_submit

REFRESH_KIND = "analytics.refresh"


def refresh_queue() -> Job | None:
    """Queue an incremental refresh unless one is already queued (a running one may have missed the change)."""
    if not settings.ANALYTICS_AUTO_REFRESH:
        return None
    if Job.objects.filter(kind=REFRESH_KIND, status=JobStatus.QUEUED).exists():
        return None
    system = get_user_model().objects.get(username=settings.FUPIN_SYSTEM_USERNAME)
    return job_submit(actor=system, kind=REFRESH_KIND, params={})


@receiver(registry_changed)
def _registry_changed(sender, **kwargs):
    transaction.on_commit(refresh_queue)
