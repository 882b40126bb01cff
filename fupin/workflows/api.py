from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.areas.selectors import area_by_code
from fupin.core.api import ServiceViewSet, validated
from fupin.core.errors import NotFound
from fupin.registry.selectors import household_list

from . import selectors, services
from .filtersets import CaseFilterSet
from .models import Case, Decision, Notice, Objection


class DecisionSerializer(serializers.ModelSerializer):
    step = serializers.SlugRelatedField(slug_field="code", read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Decision
        fields = ["id", "step", "outcome", "actor", "role", "comment", "evidence", "decided_on", "recorded_at"]


class CaseSerializer(serializers.ModelSerializer):
    procedure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    current_step = serializers.SlugRelatedField(slug_field="code", read_only=True)
    household = serializers.SlugRelatedField(slug_field="number", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    deadline = serializers.DateField(read_only=True)
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Case
        fields = ["id", "procedure", "household", "area", "year", "params", "status", "current_step", "started_on",
                  "finished_on", "deadline", "overdue", "batch", "resubmission_of", "decisions"]


class CaseStartSerializer(serializers.Serializer):
    procedure = serializers.CharField()
    year = serializers.IntegerField()
    household = serializers.IntegerField(required=False)
    area = serializers.CharField(required=False)
    params = serializers.DictField(required=False, default=dict)


class DecideSerializer(serializers.Serializer):
    step = serializers.CharField()
    outcome = serializers.ChoiceField(choices=Decision.Outcome.values)
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    evidence = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    on = serializers.DateField(required=False)


class CaseQuery(serializers.Serializer):
    inbox = serializers.BooleanField(required=False, help_text="1: only the cases waiting for my decision")


class CaseViewSet(ServiceViewSet):
    """Procedure cases in the user's areas. `?inbox=1`: the ones waiting for this user's decision."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilterSet
    list_query = CaseQuery

    def select(self, actor):
        return selectors.case_list(actor=actor).prefetch_related("decisions__step", "decisions__actor")

    def list(self, request, *args, **kwargs):
        if self.list_params.get("inbox"):
            # Paged like every list (the schema's shape); the inbox is already in the user's areas.
            page = self.paginate_queryset(selectors.inbox(actor=request.user))
            return self.get_paginated_response(CaseSerializer(page, many=True).data)
        return super().list(request, *args, **kwargs)

    @extend_schema(request=CaseStartSerializer, responses=CaseSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(CaseStartSerializer, request.data)
        household = area = None
        if data.get("household"):
            household = household_list(actor=request.user).filter(pk=data["household"]).first()
            if household is None:
                raise NotFound()
        elif data.get("area"):
            area = area_by_code(data["area"])
        case = services.case_start(actor=request.user, procedure_code=data["procedure"], year=data["year"],
                                   household=household, area=area, params=data["params"])
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecideSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = validated(DecideSerializer, request.data)
        case = self.get_object()
        services.case_decide(actor=request.user, case=case, step_code=data["step"], outcome=data["outcome"],
                             comment=data["comment"], evidence=data["evidence"], on=data.get("on"))
        return Response(CaseSerializer(selectors.case_list(actor=request.user).get(pk=case.pk)).data)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request, pk=None):
        case = services.case_resubmit(actor=request.user, case=self.get_object())
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)


class NoticeSerializer(serializers.ModelSerializer):
    step = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Notice
        fields = ["id", "step", "kind", "title", "published_on", "published_at", "entered_as_history", "ends_on",
                  "publisher", "objection_contact", "cases", "html"]


class NoticePublishSerializer(serializers.Serializer):
    # Ids within the database's integer range (a larger one overflowed SQLite's: a server error).
    cases = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), allow_empty=False,
                                  max_length=10000)
    step = serializers.CharField()
    publisher = serializers.CharField()
    objection_contact = serializers.CharField(required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False)


class NoticeViewSet(ServiceViewSet):
    serializer_class = NoticeSerializer

    def select(self, actor):
        return selectors.notice_list(actor=actor)

    @extend_schema(request=NoticePublishSerializer, responses=NoticeSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(NoticePublishSerializer, request.data)
        cases = list(selectors.case_list(actor=request.user).filter(pk__in=data["cases"]))
        if len(cases) != len(set(data["cases"])):
            raise NotFound()
        notice = services.notice_publish(actor=request.user, cases=cases, step_code=data["step"],
                                         publisher=data["publisher"], objection_contact=data["objection_contact"],
                                         on=data.get("on"))
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        notice = self.get_object()
        return FileResponse(notice.pdf.open("rb"), content_type="application/pdf",
                            filename=f"notice-{notice.pk}.pdf")


class ObjectionSerializer(serializers.ModelSerializer):
    # A notice and a case the user may see; another area's answer as missing ones.
    notice = ScopedPrimaryKeyRelatedField(model=Notice, selector=selectors.notice_list)
    case = ScopedPrimaryKeyRelatedField(model=Case, selector=selectors.case_list)

    class Meta:
        model = Objection
        fields = ["id", "notice", "case", "received_on", "raised_by", "content", "resolution", "resolution_note",
                  "resolved_on"]
        read_only_fields = ["resolution", "resolution_note", "resolved_on"]


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.ChoiceField(choices=["upheld", "dismissed"])
    note = serializers.CharField()
    on = serializers.DateField(required=False)


class ObjectionViewSet(ServiceViewSet):
    serializer_class = ObjectionSerializer

    def select(self, actor):
        return selectors.objection_list(actor=actor)

    @extend_schema(request=ObjectionSerializer, responses=ObjectionSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(ObjectionSerializer, request.data, context=self.get_serializer_context())
        case = data["case"]
        objection = services.objection_record(actor=request.user, notice=data["notice"], case=case,
                                              content=data["content"], raised_by=data.get("raised_by", ""),
                                              received_on=data.get("received_on"))
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ResolveSerializer, responses=ObjectionSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        data = validated(ResolveSerializer, request.data)
        objection = services.objection_resolve(actor=request.user, objection=self.get_object(),
                                               resolution=data["resolution"], note=data["note"], on=data.get("on"))
        return Response(ObjectionSerializer(objection).data)
