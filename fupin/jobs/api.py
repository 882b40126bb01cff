from rest_framework import serializers

from fupin.core.api import ServiceViewSet

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
