from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from fupin.core.api import ServiceViewSet
from fupin.core.errors import NotFound

from . import selectors
from .models import Job


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "params", "progress_done", "progress_total", "percent", "message",
                  "result", "error", "created_by", "created_at", "started_at", "finished_at"]


class JobViewSet(ServiceViewSet):
    """Jobs the user started (all jobs for nationwide administrators), newest first."""

    serializer_class = JobSerializer
    filterset_fields = ["kind", "status"]

    def select(self, actor):
        return selectors.job_list(actor=actor)

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    @action(detail=True, methods=["get"])
    def errors(self, request, pk=None):
        """The error workbook of an import job: rejected rows with their reasons in Chinese and English."""
        job = self.get_object()
        relative = (job.result or {}).get("errors_file")
        if not relative:
            raise NotFound()
        return FileResponse(open(settings.MEDIA_ROOT / relative, "rb"), as_attachment=True,
                            filename=f"import-{job.pk}-errors.xlsx")
