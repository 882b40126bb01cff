"""Statistics work that runs in the background: refreshing snapshots and rollups."""

from django.utils.translation import gettext_lazy as _

from fupin.jobs.registry import job_kind

from .services import rollups_refresh


@job_kind("analytics.refresh", _("refresh statistics"))
def refresh_job(job, progress):
    return rollups_refresh(actor=job.created_by, full=job.params.get("full", False),
                           years=job.params.get("years"), on_progress=lambda n: progress(advance=n))
