from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from fupin.core.api import ServiceViewSet
from fupin.core.errors import NotFound

from . import selectors
from .filtersets import JobFilterSet
from .models import Job
from .results import summary_of


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        result = data.get("result")
        # Results stored before they were capped (fupin.jobs.results) are summarised here, the same way.
        if result is not None and not (isinstance(result, dict) and result.get("result_truncated")):
            limit = settings.FUPIN_JOB_RESULT_MAX_BYTES
            if len(str(result)) > limit:
                data["result"] = {**summary_of(result, limit), "result_truncated": True}
        elif isinstance(result, dict) and result.get("result_file"):
            link = reverse("api:job-result", args=[instance.pk])
            request = self.context.get("request")
            data["result"] = {**result, "result_url": request.build_absolute_uri(link) if request else link}
        return data

    class Meta:
        model = Job
        fields = ["id", "kind", "status", "params", "progress_done", "progress_total", "percent", "message",
                  "result", "error", "created_by", "created_at", "started_at", "finished_at"]


class JobViewSet(ServiceViewSet):
    """Jobs the user started (all jobs for nationwide administrators), newest first."""

    serializer_class = JobSerializer
    filterset_class = JobFilterSet

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

    @extend_schema(responses={(200, "application/json"): bytes})
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """A job's whole result, when it was too large to keep on the job (its `result_file`)."""
        job = self.get_object()
        relative = (job.result or {}).get("result_file") if isinstance(job.result, dict) else None
        if not relative or not (settings.MEDIA_ROOT / relative).is_file():
            raise NotFound()
        return FileResponse(open(settings.MEDIA_ROOT / relative, "rb"), as_attachment=True,
                            filename=f"job-{job.pk}-result.json", content_type="application/json")
