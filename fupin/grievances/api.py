"""`/api/grievances/`: complaints in the user's handling offices (list, detail, file, move a step, link a
correction). The reporter's identity is in a complaint's detail only, for those who may see it (confidential.py),
and each such response is audited; a list never carries it, and for everyone else it is `null` with
`reporter_given` saying whether there is one."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.areas.selectors import area_by_code
from fupin.core import temporal
from fupin.core.api import ServiceViewSet, validated
from fupin.funds.models import FundEntry
from fupin.personnel.models import Cadre
from fupin.projects.models import Project
from fupin.registry.models import Household

from . import selectors, services
from .confidential import ReporterView, reporter_given
from .filtersets import TicketFilterSet
from .models import Channel, Finding, Satisfaction, Ticket


class GrievanceReporterSerializer(serializers.Serializer):
    reporter_name = serializers.CharField()
    reporter_phone = serializers.CharField()
    reporter_id_number = serializers.CharField()


class GrievanceSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category_label = serializers.SerializerMethodField()
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    office = serializers.SlugRelatedField(slug_field="code", read_only=True)
    overdue = serializers.SerializerMethodField()
    reporter_given = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = ["id", "tracking_number", "reference", "channel", "category", "category_label", "area", "office",
                  "household", "project", "fund_entry", "cadre", "objection", "summary", "content", "received_on",
                  "deadline", "status", "accepted_on", "not_accepted_reason", "answered_on", "finding", "reply",
                  "satisfaction", "closed_on", "outcome", "overdue", "reporter_given", "reporter"]

    def get_category_label(self, ticket) -> str:
        return ticket.category.label

    def get_overdue(self, ticket) -> bool:
        return ticket.overdue_on(temporal.today())

    def get_reporter_given(self, ticket) -> bool:
        return reporter_given(ticket)

    @extend_schema_field(GrievanceReporterSerializer(allow_null=True))
    def get_reporter(self, ticket):
        reporters = self.context.get("reporters")  # set on a detail only: lists never carry the identity
        return reporters.values(ticket) if reporters is not None else None


class GrievanceFileSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[c for c in Channel.values if c != Channel.NOTICE_OBJECTION])
    category = serializers.SlugRelatedField(slug_field="code", queryset=selectors.category_list())
    area = serializers.CharField(required=False, allow_blank=True, default="")
    household = ScopedPrimaryKeyRelatedField(model=Household, required=False, allow_null=True)
    project = ScopedPrimaryKeyRelatedField(model=Project, required=False, allow_null=True)
    fund_entry = ScopedPrimaryKeyRelatedField(model=FundEntry, required=False, allow_null=True)
    cadre = ScopedPrimaryKeyRelatedField(model=Cadre, required=False, allow_null=True, action="view")
    summary = serializers.CharField(max_length=200)
    content = serializers.CharField()
    received_on = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=60, default="")
    reporter_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    reporter_id_number = serializers.CharField(required=False, allow_blank=True, max_length=18, default="")


class GrievanceTransitionSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=list(services.STEPS))
    on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reply = serializers.CharField(required=False, allow_blank=True, default="")
    finding = serializers.ChoiceField(choices=Finding.choices, required=False, allow_blank=True, default="")
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, required=False, allow_blank=True,
                                           default="")
    outcome = serializers.CharField(required=False, allow_blank=True, default="")


class GrievanceCorrectionSerializer(serializers.Serializer):
    event = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class GrievanceViewSet(ServiceViewSet):
    """Complaints and reports (信访 / 12317) handled by the user's offices."""

    serializer_class = GrievanceSerializer
    filterset_class = TicketFilterSet

    def select(self, actor):
        return selectors.ticket_list(actor=actor).order_by("-received_on", "-id")

    def _detail(self, request, ticket, code=status.HTTP_200_OK):
        reporters = ReporterView(request.user)
        data = GrievanceSerializer(ticket, context={"request": request, "reporters": reporters}).data
        reporters.audit()  # after the response is built: what it showed
        return Response(data, status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(request, self.get_object())

    @extend_schema(request=GrievanceFileSerializer, responses=GrievanceSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(GrievanceFileSerializer, request.data, context=self.get_serializer_context())
        data["area"] = area_by_code(data["area"]) if data.get("area") else None
        ticket = services.ticket_file(actor=request.user, data=data)
        visible = selectors.ticket_list(actor=request.user).filter(pk=ticket.pk).first()
        if visible is None:  # filed where the filer's office does not handle it: its number, nothing else
            return Response({"id": ticket.pk, "tracking_number": ticket.tracking_number, "deadline": ticket.deadline},
                            status=status.HTTP_201_CREATED)
        return self._detail(request, visible, status.HTTP_201_CREATED)

    @extend_schema(request=GrievanceTransitionSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        data = validated(GrievanceTransitionSerializer, request.data)
        step = data.pop("step")
        ticket = services.ticket_move(actor=request.user, ticket=self.get_object(), step=step, **data)
        return self._detail(request, selectors.ticket_get(actor=request.user, pk=ticket.pk))

    @extend_schema(request=GrievanceCorrectionSerializer, responses=GrievanceSerializer)
    @action(detail=True, methods=["post"])
    def correction(self, request, pk=None):
        data = validated(GrievanceCorrectionSerializer, request.data)
        ticket = self.get_object()
        services.correction_link(actor=request.user, ticket=ticket, event_id=data["event"], note=data["note"])
        return self._detail(request, selectors.ticket_get(actor=request.user, pk=ticket.pk))
