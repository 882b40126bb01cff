from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core import temporal
from fupin.core.api import validated

from . import selectors
from .metrics import REGISTRY
from .metrics.base import BREAKDOWNS
from .report_today import report_today

# Spark starts a JVM: it is for batch work (`fupin stats … --engine spark`), not for web requests. `rollups` (the
# default) answers from the refresh's precomputed rows when they are fresh and holds the answer, and from the
# snapshot otherwise; the `X-Fupin-Answered-By` header says which.
API_ENGINES = (selectors.ROLLUPS, "duckdb", "sql")


class StatsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    area = serializers.CharField(required=False)
    level = serializers.IntegerField(required=False, min_value=1, max_value=5)
    by = serializers.ChoiceField(choices=sorted(BREAKDOWNS), required=False)
    engine = serializers.ChoiceField(choices=API_ENGINES, default=selectors.ROLLUPS)
    line = serializers.FloatField(required=False, min_value=0)
    k = serializers.FloatField(required=False, min_value=0)


class StatsView(APIView):
    """A metric as `fupin stats METRIC` gives it, within the user's areas: `/api/stats/incidence/?year=2019`."""

    @extend_schema(parameters=[OpenApiParameter("metric", str, OpenApiParameter.PATH, enum=sorted(REGISTRY)),
                               OpenApiParameter("year", int, required=True), OpenApiParameter("area", str),
                               OpenApiParameter("level", int), OpenApiParameter("by", str, enum=sorted(BREAKDOWNS)),
                               OpenApiParameter("engine", str, enum=list(API_ENGINES)),
                               OpenApiParameter("line", float), OpenApiParameter("k", float)],
                   responses={200: dict})
    def get(self, request, metric: str):
        data = validated(StatsQuerySerializer, request.query_params)
        result, answered_by = selectors.stats_answer(
            actor=request.user, metric=metric, year=data["year"], engine=data["engine"], area_code=data.get("area"),
            level=data.get("level"), by=data.get("by"), line=data.get("line"), k=data.get("k"))
        return Response(result, headers={"X-Fupin-Answered-By": answered_by})


class ReportTodayQuerySerializer(serializers.Serializer):
    area = serializers.CharField()
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False,
                                    help_text="Default: the last full year.")


class ReportTodayView(APIView):
    """The report card of today (2021–) of an area for a year (default: the last full year), every figure with its
    provenance: `/api/report-today/?area=533301&year=2025` (as `fupin report today` prints it in json)."""

    @extend_schema(operation_id="report_today", parameters=[OpenApiParameter("area", str, required=True),
                                                            OpenApiParameter("year", int)],
                   responses={200: dict})
    def get(self, request):
        data = validated(ReportTodayQuerySerializer, request.query_params)
        year = data.get("year") or temporal.today().year - 1
        return Response(report_today(actor=request.user, area_code=data["area"], year=year))
