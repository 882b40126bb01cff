"""Statistics work that runs in the background: refreshing snapshots and rollups."""

from django.utils.translation import gettext_lazy as _

from fupin.jobs.registry import job_kind


@job_kind("analytics.refresh", _("refresh statistics"))
def refresh_job(job, progress):
    # Imported here: the engines load ibis, pandas and pyarrow (0.7 s), which every process would otherwise pay at
    # start-up, a command-line import and its worker process included, though few of them ever refresh.
    from .services import rollups_refresh

    return rollups_refresh(actor=job.created_by, full=job.params.get("full", False),
                           years=job.params.get("years"), on_progress=lambda n: progress(advance=n))
