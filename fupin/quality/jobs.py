"""Scans run as jobs from the web and the API."""

from django.utils.translation import gettext_lazy as _

from fupin.jobs.registry import job_kind

from .services import scan_run


@job_kind("quality.scan", _("data-quality scan"))
def scan_job(job, progress):
    scan = scan_run(actor=job.created_by, year=job.params["year"], area_code=job.params.get("area"),
                    rules=job.params.get("rules"), on_progress=lambda n: progress(advance=n))
    return {"scan": scan.pk, "counts": scan.counts}
