"""Early warning over HTTP: warnings, home-visit tasks (assign with PATCH, `POST …/complete/`), disasters, the scan
as a job and the monthly report. Reads through selectors, writes through services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core.api import ServiceViewSet, validated
from fupin.core.errors import NotFound, ValidationFailed
from fupin.jobs.api import JobSerializer
from fupin.jobs.services import job_submit
from fupin.personnel import selectors as personnel_selectors

from . import selectors, services
from .models import Disaster, RiskWarning, VisitTask


class WarningSerializer(serializers.ModelSerializer):
    household = serializers.SlugRelatedField(slug_field="number", read_only=True)
    rule_title = serializers.CharField(source="rule.title", read_only=True)
    task = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = RiskWarning
        fields = ["id", "rule", "rule_title", "household", "area_code", "year", "raised_on", "message",
                  "message_en", "values", "category", "status", "closed_reason", "closed_on", "task"]


class WarningQuery(serializers.Serializer):
    area = serializers.CharField(required=False, help_text="area code: the area's whole subtree")
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    status = serializers.CharField(required=False, help_text="open, confirmed or closed")
    rule = serializers.CharField(required=False)


class WarningViewSet(ServiceViewSet):
    """Warnings in the user's areas (`?status=open|confirmed|closed`, `?year=`, `?area=`, `?rule=`)."""

    serializer_class = WarningSerializer
    list_query = WarningQuery

    def select(self, actor):
        params = self.list_params
        return selectors.warning_list(actor=actor, area_code=params.get("area"), year=params.get("year"),
                                      status=params.get("status"), rule=params.get("rule"))


class TaskSerializer(serializers.ModelSerializer):
    household = serializers.SlugRelatedField(slug_field="number", read_only=True)
    rule = serializers.CharField(source="warning.rule_id", read_only=True)
    message = serializers.CharField(source="warning.text", read_only=True)
    # Methods, not sources with a default: DRF skips a read-only field's default on PATCH, and the answer would
    # lack the key its schema requires.
    cadre_name = serializers.SerializerMethodField()
    case_step = serializers.SerializerMethodField()

    class Meta:
        model = VisitTask
        fields = ["id", "warning", "rule", "message", "household", "area_code", "cadre", "cadre_name", "due_on",
                  "status", "outcome", "completed_on", "visit", "case", "case_step"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_cadre_name(self, task) -> str | None:
        return task.cadre.name if task.cadre_id else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_case_step(self, task) -> str | None:
        step = task.case.current_step if task.case_id else None
        return step.code if step is not None else None


class TaskAssignSerializer(serializers.Serializer):
    cadre = serializers.IntegerField()


class TaskCompleteSerializer(serializers.Serializer):
    confirmed = serializers.BooleanField()
    visited_on = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    category = serializers.ChoiceField(choices=["", "1", "2", "3"], required=False, default="")
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                        default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True,
                                         default=None)


class TaskQuery(serializers.Serializer):
    area = serializers.CharField(required=False, help_text="area code: the area's whole subtree")
    status = serializers.CharField(required=False, help_text="open or done")
    overdue = serializers.BooleanField(required=False, default=None, allow_null=True,
                                       help_text="still to visit after the deadline")
    unassigned = serializers.BooleanField(required=False, default=None, allow_null=True,
                                          help_text="still to visit with no cadre")
    on = serializers.DateField(required=False, help_text="the day `overdue` is judged on (default today)")


class TaskViewSet(ServiceViewSet, mixins.UpdateModelMixin):
    """Home-visit tasks in the user's areas (`?status=open|done`, `?area=`, `?overdue=1` (`&on=YYYY-MM-DD`),
    `?unassigned=1`). PATCH {"cadre": id} assigns one; `POST …/complete/` records the visit."""

    serializer_class = TaskSerializer
    list_query = TaskQuery
    http_method_names = ["get", "patch", "post", "head", "options"]

    def select(self, actor):
        params = self.list_params
        return selectors.task_list(actor=actor, area_code=params.get("area"), status=params.get("status"),
                                   overdue=params.get("overdue", False), unassigned=params.get("unassigned", False),
                                   on=params.get("on"))

    @extend_schema(request=TaskAssignSerializer, responses=TaskSerializer)
    def partial_update(self, request, *args, **kwargs):
        data = validated(TaskAssignSerializer, request.data)
        task = self.get_object()
        # A cadre the user may see; another area's answers as a missing one.
        cadre = personnel_selectors.cadre_list(actor=request.user).filter(pk=data["cadre"]).first()
        if cadre is None:
            raise NotFound()
        task = services.task_assign(actor=request.user, task=task, cadre=cadre)
        return Response(TaskSerializer(task).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=TaskCompleteSerializer, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = validated(TaskCompleteSerializer, request.data)
        task = services.task_complete(actor=request.user, task=self.get_object(), **data)
        return Response(TaskSerializer(self.select(request.user).get(pk=task.pk)).data)


class DisasterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Disaster
        fields = ["id", "area", "kind", "occurred_on", "title"]


class DisasterWriteSerializer(serializers.Serializer):
    area = serializers.CharField()
    kind = serializers.CharField()
    occurred_on = serializers.DateField()
    title = serializers.CharField()


class AreaQuery(serializers.Serializer):
    area = serializers.CharField(required=False, help_text="area code: the area's whole subtree")


class DisasterViewSet(ServiceViewSet, mixins.CreateModelMixin):
    """Disasters recorded for the user's areas (`?area=`); POST records one."""

    serializer_class = DisasterSerializer
    list_query = AreaQuery

    def select(self, actor):
        return selectors.disaster_list(actor=actor, area_code=self.list_params.get("area"))

    @extend_schema(request=DisasterWriteSerializer, responses=DisasterSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(DisasterWriteSerializer, request.data)
        disaster = services.disaster_record(actor=request.user, area_code=data["area"], kind=data["kind"],
                                            occurred_on=data["occurred_on"], title=data["title"])
        return Response(DisasterSerializer(disaster).data, status=status.HTTP_201_CREATED)


class WarningScanRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    area = serializers.CharField(required=False)
    on = serializers.DateField(required=False)
    rules = serializers.ListField(child=serializers.CharField(), required=False)


class WarningScanView(APIView):
    """Start the warning scan as a background job; its progress and result are at /api/jobs/<id>/."""

    @extend_schema(request=WarningScanRequestSerializer, responses=JobSerializer)
    def post(self, request):
        data = dict(validated(WarningScanRequestSerializer, request.data))
        if "on" in data:
            data["on"] = data["on"].isoformat()
        job = job_submit(actor=request.user, kind="monitoring.warnings", params=data)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ReportView(APIView):
    """The monthly monitoring report (`?area=CODE&month=YYYY-MM`) by the areas one level below."""

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True),
                               OpenApiParameter("month", str, required=True)], responses={200: dict})
    def get(self, request):
        params = request.query_params
        if not params.get("area") or not params.get("month"):
            raise ValidationFailed(_("Give the area and the month (YYYY-MM)."), field="month")
        return Response(selectors.monitoring_report(actor=request.user, area_code=params["area"],
                                                    month=params["month"]))
