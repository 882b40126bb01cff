"""Submitting imports and exports as background jobs: shared by the pages (fupin.imports.views) and the API
(fupin.imports.api, fupin.imports.exports). The job itself runs the registry's import or export as the user who
submitted it."""

from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code
from fupin.core.errors import ValidationFailed
from fupin.jobs.models import Job
from fupin.jobs.services import job_submit
from fupin.jobs.uploads import store_upload

IMPORT_HOUSEHOLDS = "registry.import_households"
EXPORT_HOUSEHOLDS = "registry.export_households"
FORMATS = ("xlsx", "csv")


def submit_household_import(*, actor, file, year=None, dry_run=False, skip_invalid=False) -> Job:
    """Keep the upload and queue its import; shared by the API and the upload page."""
    path = store_upload(actor=actor, upload=file)
    return job_submit(actor=actor, kind=IMPORT_HOUSEHOLDS,
                      params={"path": str(path), "filename": file.name, "year": year, "dry_run": dry_run,
                              "skip_invalid": skip_invalid})


def submit_household_export(*, actor, area_code: str, year: int, file_format: str = "xlsx") -> Job:
    """Queue an export of the households of an area the actor may export, for one year, as .xlsx or .csv."""
    if file_format not in FORMATS:
        raise ValidationFailed(_("The format is xlsx or csv."), field="format")
    area = area_by_code(area_code)
    require(actor, Action.EXPORT, area.code)
    return job_submit(actor=actor, kind=EXPORT_HOUSEHOLDS,
                      params={"area": area.code, "year": year, "format": file_format})
