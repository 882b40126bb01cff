from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core.api import validated
from fupin.jobs.api import JobSerializer
from fupin.jobs.services import job_submit

from .uploads import store_upload


class HouseholdUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    dry_run = serializers.BooleanField(required=False, default=False)
    skip_invalid = serializers.BooleanField(required=False, default=False)


class HouseholdImportView(APIView):
    """Upload a 建档立卡 workbook; it is imported by a background job (poll /api/jobs/{id}/, then fetch
    /api/jobs/{id}/errors/ for the error workbook)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": HouseholdUploadSerializer}, responses={202: JobSerializer})
    def post(self, request):
        data = validated(HouseholdUploadSerializer, request.data)
        return Response(JobSerializer(submit_household_import(actor=request.user, **data)).data,
                        status=status.HTTP_202_ACCEPTED)


def submit_household_import(*, actor, file, year=None, dry_run=False, skip_invalid=False):
    """Keep the upload and queue its import; shared by the API and the upload page."""
    path = store_upload(actor=actor, upload=file)
    return job_submit(actor=actor, kind="registry.import_households",
                      params={"path": str(path), "filename": file.name, "year": year, "dry_run": dry_run,
                              "skip_invalid": skip_invalid})
