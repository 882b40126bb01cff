"""Area work that runs in the background when started from the web or the API."""

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fupin.jobs.registry import job_kind

from . import services
from .divisions import count_rows


@job_kind("areas.load", _("load administrative divisions"))
def load_job(job, progress):
    source = job.params.get("source") or settings.FUPIN_DIVISIONS_DIR
    provinces = job.params.get("provinces") or None
    progress(done=0, total=count_rows(Path(source), set(provinces) if provinces else None))
    result = services.divisions_load(actor=job.created_by, source_dir=source, provinces=provinces,
                                     on_progress=lambda n: progress(advance=n))
    return result.as_dict()


def _import_job(importer):
    def run(job, progress):
        report = importer(actor=job.created_by, path=job.params["path"], dry_run=job.params.get("dry_run", False),
                          skip_invalid=job.params.get("skip_invalid", False))
        return report.as_dict()

    return run


job_kind("areas.designations", _("import area designations"))(_import_job(services.designations_import))
job_kind("areas.population", _("import rural population"))(_import_job(services.population_import))
