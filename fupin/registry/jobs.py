"""Registry work that runs in the background (uploads from the web and the API)."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fupin.core.files.workbooks import write_error_workbook
from fupin.jobs.registry import job_kind

from .importing import households_import


@job_kind("registry.import_households", _("import households"))
def import_households_job(job, progress):
    report = households_import(actor=job.created_by, path=job.params["path"], year=job.params.get("year"),
                               dry_run=job.params.get("dry_run", False),
                               skip_invalid=job.params.get("skip_invalid", False),
                               on_progress=lambda n: progress(advance=n))
    summary = report.as_dict()
    summary["written"] = report.written
    summary["households_with_warnings"] = report.warned
    if report.errors:
        relative = f"imports/job-{job.pk}-errors.xlsx"
        target = settings.MEDIA_ROOT / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        write_error_workbook(target, report.headers, report.rejected_cells, report.errors)
        summary["errors_file"] = relative
    return summary
