"""Registry exports as background jobs, for the web page and the API (the CLI writes the file itself).

The request is checked when it is submitted (fupin.imports.services.submit_household_export), so a refusal is
answered at once, and again when the job runs, by `households_export` itself, as the user who submitted it (a grant
may be withdrawn in between): the file is masked by that user's role. It is kept under MEDIA_ROOT/exports like an
import's error workbook under MEDIA_ROOT/imports, and only those who may see the job can download it.
"""

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fupin.areas.selectors import area_by_code
from fupin.core.errors import NotFound
from fupin.jobs.models import JobStatus
from fupin.jobs.registry import job_kind
from fupin.jobs.selectors import job_list
from fupin.registry.exporting import households_export

from .services import EXPORT_HOUSEHOLDS


@job_kind(EXPORT_HOUSEHOLDS, _("export households"))
def export_households_job(job, progress):
    params = job.params
    area = area_by_code(params["area"])
    filename = f"households-{area.code}-{params['year']}.{params['format']}"
    relative = f"exports/job-{job.pk}-{filename}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        rows = households_export(actor=job.created_by, path=target, year=params["year"], area=area)
    except BaseException:
        target.unlink(missing_ok=True)  # a half-written file must never be offered for download
        raise
    progress(done=rows, total=rows)  # the export streams without counting ahead: the total is known at the end
    return {"rows": rows, "filename": filename, "export_file": relative}


def export_file(*, actor, job_id: int) -> tuple[Path, str]:
    """The file of a finished export job the actor may see, and the name to download it under."""
    job = job_list(actor=actor).filter(pk=job_id, status=JobStatus.SUCCEEDED).first()
    relative = (job.result or {}).get("export_file") if job is not None else None
    if not relative:
        raise NotFound()
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.is_file():
        raise NotFound()
    return path, job.result["filename"]
