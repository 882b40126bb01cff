"""Registry exports as background jobs, for the web page and the API (the CLI writes the file itself).

The request is checked when it is submitted, so a refusal is answered at once, and again when the job runs, by
`households_export` itself, as the user who submitted it (a grant may be withdrawn in between): the file is
masked by that user's role. It is kept under MEDIA_ROOT/exports like an import's error workbook under
MEDIA_ROOT/imports, and only those who may see the job can download it.
"""

from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code
from fupin.core.api import validated
from fupin.core.errors import NotFound, ValidationFailed
from fupin.jobs.api import JobSerializer
from fupin.jobs.models import Job, JobStatus
from fupin.jobs.registry import job_kind
from fupin.jobs.selectors import job_list
from fupin.jobs.services import job_submit
from fupin.registry.exporting import households_export

EXPORT_HOUSEHOLDS = "registry.export_households"
FORMATS = ("xlsx", "csv")


def submit_household_export(*, actor, area_code: str, year: int, file_format: str = "xlsx") -> Job:
    """Queue an export of the households of an area the actor may export, for one year, as .xlsx or .csv."""
    if file_format not in FORMATS:
        raise ValidationFailed(_("The format is xlsx or csv."), field="format")
    area = area_by_code(area_code)
    require(actor, Action.EXPORT, area.code)
    return job_submit(actor=actor, kind=EXPORT_HOUSEHOLDS,
                      params={"area": area.code, "year": year, "format": file_format})


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


class HouseholdExportSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    format = serializers.ChoiceField(choices=FORMATS, default="xlsx")


class HouseholdExportView(APIView):
    """Export the households of an area for a year (one row per member, masked unless your role may see ID
    numbers) by a background job: poll /api/jobs/{id}/, then fetch /api/jobs/{id}/file/."""

    @extend_schema(request=HouseholdExportSerializer, responses={202: JobSerializer})
    def post(self, request):
        data = validated(HouseholdExportSerializer, request.data)
        job = submit_household_export(actor=request.user, area_code=data["area"], year=data["year"],
                                      file_format=data["format"])
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobFileView(APIView):
    """The file an export job wrote; only for those who may see the job."""

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    def get(self, request, pk: int):
        path, filename = export_file(actor=request.user, job_id=pk)
        return FileResponse(open(path, "rb"), as_attachment=True, filename=filename)
