from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core.api import ServiceViewSet, validated
from fupin.jobs.api import JobSerializer
from fupin.jobs.services import job_submit

from . import selectors, services
from .filtersets import FindingFilterSet
from .models import Finding


class FindingSerializer(serializers.ModelSerializer):
    household = serializers.SlugRelatedField(slug_field="number", read_only=True)
    rule_title = serializers.CharField(source="rule.title", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "rule", "rule_title", "household", "member", "area_code", "year", "message", "message_en",
                  "status", "explanation", "first_scan", "last_scan", "fixed_at"]


class ExplainSerializer(serializers.Serializer):
    explanation = serializers.CharField()


class AcceptSerializer(serializers.Serializer):
    accept = serializers.BooleanField()


class FindingViewSet(ServiceViewSet):
    """Findings in the user's areas (`?status=open|fixed|explained|accepted`, `?year=`, `?area=`, `?rule=`)."""

    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet

    def select(self, actor):
        return selectors.finding_list(actor=actor, status=None)

    @extend_schema(request=ExplainSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def explain(self, request, pk=None):
        data = validated(ExplainSerializer, request.data)
        finding = services.finding_explain(actor=request.user, finding=self.get_object(),
                                           explanation=data["explanation"])
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=AcceptSerializer, responses=FindingSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        data = validated(AcceptSerializer, request.data)
        finding = services.finding_accept(actor=request.user, finding=self.get_object(), accept=data["accept"])
        return Response(FindingSerializer(finding).data)


class ScanRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    area = serializers.CharField(required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False)


class ScanView(APIView):
    """Start a scan as a background job; its progress is at /api/jobs/<id>/."""

    @extend_schema(request=ScanRequestSerializer, responses=JobSerializer)
    def post(self, request):
        data = validated(ScanRequestSerializer, request.data)
        job = job_submit(actor=request.user, kind="quality.scan", params=dict(data))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class FindingQuery(serializers.Serializer):
    area = serializers.CharField(required=False, help_text="area code: the area's whole subtree")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    status = serializers.CharField(required=False, allow_blank=True,
                                   help_text="open (the default), fixed, explained or accepted; empty: all")


class SummaryView(APIView):
    """Open findings by area (one level below `area`) and rule: the quality dashboard's numbers."""

    @extend_schema(parameters=[OpenApiParameter("area", str), OpenApiParameter("year", int)],
                   responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        query = validated(FindingQuery, request.query_params)  # typed: `?year=abc` is a 400
        return Response(selectors.finding_summary(actor=request.user, area_code=query.get("area"),
                                                  year=query.get("year")))
