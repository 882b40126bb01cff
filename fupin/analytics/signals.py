"""Rollups follow the registry: every committed change (core.changes.mark_changed) queues one incremental refresh
as the system account, unless one is already waiting. Readers never depend on it: they compare change counters."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.dispatch import receiver

from fupin.core.signals import changes_committed
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


@receiver(changes_committed)
def _changes_committed(sender, **kwargs):
    refresh_queue()  # sent after the commit already
