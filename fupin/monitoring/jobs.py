"""The early-warning scan as a job, started from the API."""

import datetime

from django.utils.translation import gettext_lazy as _

from fupin.jobs.registry import job_kind

from .services import warnings_run


@job_kind("monitoring.warnings", _("early-warning scan"))
def warnings_job(job, progress):
    on = job.params.get("on")
    run = warnings_run(actor=job.created_by, year=job.params["year"], area_code=job.params.get("area"),
                       on=datetime.date.fromisoformat(on) if on else None, rules=job.params.get("rules"))
    return {"warnings": [warning.pk for warning in run.warnings], "counts": run.counts,
            "unassigned": run.unassigned}
