from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core.api import validated
from fupin.jobs.api import JobSerializer

from .exports import export_file
from .services import FORMATS, submit_household_export, submit_household_import


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
