from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.core.api import ServiceViewSet, WritableServiceViewSet, validated
from fupin.core.errors import NotFound

from . import codelists as cl
from . import selectors, services
from .filtersets import HouseholdFilterSet, MemberFilterSet
from .masking import Masking
from .models import DuplicateCandidate, Household, HouseholdYear, Member, StatusTransition


def request_masking(request) -> Masking:
    """The request's one Masking: every serializer of a response masks through it, and RevealAuditMixin audits once
    what the response showed unmasked."""
    masking = getattr(request, "fupin_masking", None)
    if masking is None:
        masking = request.fupin_masking = Masking(request.user)
    return masking


class MaskingMixin:
    """Masks ID numbers, phones and bank accounts unless the user may see them in the record's area."""

    sensitive_fields: tuple[str, ...] = ()

    def area_of(self, instance) -> str:
        return instance.area_id

    def to_representation(self, instance):
        data = super().to_representation(instance)
        values = {name: data[name] for name in self.sensitive_fields if name in data}
        if any(values.values()):
            masking = request_masking(self.context["request"])
            data.update(masking.apply(instance, self.area_of(instance), values))
        return data


class RevealAuditMixin:
    """Writes one audit event for every response that showed unmasked sensitive values."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        masking = getattr(request, "fupin_masking", None)
        if masking is not None and response.status_code < 400:
            masking.audit()
        return response


class MemberSerializer(MaskingMixin, serializers.ModelSerializer):
    sensitive_fields = ("id_number", "disability_certificate")

    class Meta:
        model = Member
        fields = ["id", "household", "name", "id_kind", "id_number", "disability_certificate", "sex", "birth_date",
                  "relation", "ethnicity", "education", "school_status", "health", "labour", "work_location",
                  "work_months", "in_basic_medical", "in_critical_illness", "in_pension", "in_employee_pension",
                  "on_dibao", "on_tekun", "active_soldier", "is_active", "joined_on", "left_on"]
        read_only_fields = fields

    def area_of(self, instance) -> str:
        return instance.household.area_id


class HouseholdYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = HouseholdYear
        exclude = ["created_at", "updated_at"]
        read_only_fields = ["household", "net_income", "net_income_per_capita"]


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StatusTransition
        fields = ["id", "from_status", "to_status", "effective_date", "year", "reason", "evidence", "actor",
                  "recorded_at"]


class HouseholdSerializer(MaskingMixin, serializers.ModelSerializer):
    sensitive_fields = ("phone", "bank_account")
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    village = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "area", "village", "id_standard", "attribute", "main_cause", "other_causes",
                  "status", "monitoring_category", "risk_status", "monitoring_since", "identified_year",
                  "planned_exit_year", "exit_year", "return_year", "phone", "bank_name", "bank_account", "is_relocated",
                  "relocation_year", "is_martyr_family", "is_one_child", "is_two_daughters", "version"]
        read_only_fields = fields


class HouseholdDetailSerializer(HouseholdSerializer):
    members = MemberSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "members"]
        read_only_fields = fields


class RegistrationSerializer(serializers.Serializer):
    """The write shape: household fields and members as national-form values (codes or Chinese labels)."""

    area = serializers.CharField()
    household = serializers.DictField()
    members = serializers.ListField(child=serializers.DictField(), allow_empty=False)
    year = serializers.IntegerField(required=False)
    year_data = serializers.DictField(required=False)


class HouseholdUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    changes = serializers.DictField()


class TransitionRequestSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    to_status = serializers.CharField()
    effective_date = serializers.DateField()
    reason = serializers.CharField()


class MemberJoinSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="the household's version")
    kind = serializers.ChoiceField(choices=sorted(cl.JOIN_EVENTS))
    date = serializers.DateField()
    member = serializers.DictField()


class MemberLeaveSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="the household's version")
    kind = serializers.ChoiceField(choices=sorted(cl.LEAVE_EVENTS - {"split", "merge"}))
    date = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")
    new_head = serializers.IntegerField(required=False, help_text="member id of the new head, when the head leaves")


class SplitSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    new_number = serializers.CharField()
    date = serializers.DateField()
    members = serializers.DictField(child=serializers.CharField(),
                                    help_text="member id → relation to the new head (exactly one 户主)")


class MergeSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="this (source) household's version")
    target = serializers.IntegerField()
    target_version = serializers.IntegerField()
    date = serializers.DateField()
    relations = serializers.DictField(child=serializers.CharField(), required=False, default=dict)


def _relations(raw: dict) -> dict[int, str]:
    """Member id → relation code, accepting labels (之子) as well as codes."""
    result = {}
    for key, value in raw.items():
        code = value if value in cl.RELATION.values else cl.RELATION.lookup(value)
        if code is None:
            raise serializers.ValidationError({"relations": f"{value}?"})
        result[int(key)] = code
    return result


def _registration_response(registration, serializer_context, code=status.HTTP_200_OK):
    body = HouseholdDetailSerializer(registration.household, context=serializer_context).data
    return Response({**body, "warnings": [w.as_dict() for w in registration.warnings],
                     "possible_duplicates": registration.possible_duplicates}, status=code)


HOUSEHOLD_FILTERS = [
    OpenApiParameter("area", str, description="area code: the area's whole subtree"),
    OpenApiParameter("status", str), OpenApiParameter("attribute", str), OpenApiParameter("main_cause", str),
    OpenApiParameter("monitoring_category", str),
    OpenApiParameter("year", int, description="households with a record for this year"),
    OpenApiParameter("year_status", str, description="with `year`: the status at that year's end"),
]


@extend_schema_view(list=extend_schema(parameters=HOUSEHOLD_FILTERS))
class HouseholdViewSet(RevealAuditMixin, WritableServiceViewSet):
    """Registered households. Writes take national-form values; PATCH needs the `version` you read."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_class = HouseholdFilterSet

    def update(self, request, *args, **kwargs):
        raise MethodNotAllowed("PUT")  # whole-record replacement is not a thing here; PUT is for year records

    def get_serializer_class(self):
        return HouseholdDetailSerializer if self.action == "retrieve" else HouseholdSerializer

    def select(self, actor):
        queryset = selectors.household_list(actor=actor)
        return queryset.prefetch_related("members") if self.action == "retrieve" else queryset

    @extend_schema(request=RegistrationSerializer, responses=HouseholdDetailSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(RegistrationSerializer, request.data)
        registration = services.household_register(
            actor=request.user, area_code=data["area"], household=data["household"], members=data["members"],
            year=data.get("year"), year_data=data.get("year_data"))
        return _registration_response(registration, self.get_serializer_context(), status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses=HouseholdDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        household = self.get_object()
        payload = validated(HouseholdUpdateSerializer, request.data)
        registration = services.household_update(actor=request.user, household=household,
                                                 version=payload["version"],
                                                 changes=payload["changes"])
        return _registration_response(registration, self.get_serializer_context())

    @extend_schema(request=TransitionRequestSerializer, responses=TransitionSerializer)
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        household = self.get_object()
        data = validated(TransitionRequestSerializer, request.data)
        transition = services.household_transition(
            actor=request.user, household=household, version=data["version"], to_status=data["to_status"],
            effective_date=data["effective_date"], reason=data["reason"])
        return Response(TransitionSerializer(transition).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=TransitionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # the whole trajectory: a plain list
    def trajectory(self, request, pk=None):
        household = self.get_object()
        transitions = household.transitions.select_related("actor").order_by("effective_date", "id")
        return Response(TransitionSerializer(transitions, many=True).data)

    @extend_schema(responses=HouseholdYearSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)  # every year of one household: a plain list
    def years(self, request, pk=None):
        household = self.get_object()
        return Response(HouseholdYearSerializer(household.years.order_by("year"), many=True).data)

    @extend_schema(request=dict, responses=HouseholdYearSerializer)
    @action(detail=True, methods=["put", "patch"], url_path=r"years/(?P<year>\d{4})")
    def year(self, request, pk=None, year=None):
        """Create the year's record, or update it. PUT and PATCH are the same partial update (a year record is
        entered a few figures at a time, never retyped whole): the fields sent replace the stored ones, the fields
        not sent keep their values, and a field sent as null or "" is cleared to "not entered". Net and per-capita
        income are read-only, recomputed from the whole record after every update."""
        row = services.household_year_save(actor=request.user, household=self.get_object(), year=int(year),
                                           data=request.data)
        return Response(HouseholdYearSerializer(row).data)

    @extend_schema(request=MemberJoinSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"], url_path="members")
    def join(self, request, pk=None):
        data = validated(MemberJoinSerializer, request.data)
        member = services.member_join(actor=request.user, household=self.get_object(),
                                      household_version=data["version"], data=data["member"], kind=data["kind"],
                                      date=data["date"])
        return Response(MemberSerializer(member, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=SplitSerializer, responses=HouseholdDetailSerializer)
    @action(detail=True, methods=["post"])
    def split(self, request, pk=None):
        data = validated(SplitSerializer, request.data)
        relations = _relations(data["members"])
        new = services.household_split(actor=request.user, household=self.get_object(),
                                       household_version=data["version"], member_ids=list(relations),
                                       new_number=data["new_number"], relations=relations, date=data["date"])
        return Response(HouseholdDetailSerializer(new, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=MergeSerializer, responses=HouseholdDetailSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        """Merge this household into `target`; this one is closed (注销)."""
        data = validated(MergeSerializer, request.data)
        source = self.get_object()
        target = self.filter_queryset(self.get_queryset()).filter(pk=data["target"]).first()
        if target is None:
            raise NotFound()
        merged = services.household_merge(actor=request.user, source=source, source_version=data["version"],
                                          target=target, target_version=data["target_version"],
                                          relations=_relations(data["relations"]), date=data["date"])
        return Response(HouseholdDetailSerializer(merged, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[OpenApiParameter("field", str, enum=["phone", "bank_account"])],
                   responses={200: dict})
    @action(detail=True, methods=["get"])
    def sensitive(self, request, pk=None):
        """The unmasked value of one field; allowed to roles with "view sensitive", and audited."""
        household = self.get_object()
        field_name = request.query_params.get("field", "")
        return Response({"field": field_name, "value": services.sensitive_value(
            actor=request.user, obj=household, field_name=field_name)})


class MemberUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="the household's version")
    changes = serializers.DictField()


class MemberViewSet(RevealAuditMixin, mixins.UpdateModelMixin, ServiceViewSet):
    """Members (current and past). Changes name the household's `version`; joining is on the household."""

    serializer_class = MemberSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_class = MemberFilterSet

    def select(self, actor):
        return selectors.member_list(actor=actor)

    @extend_schema(request=MemberUpdateSerializer, responses=MemberSerializer)
    def partial_update(self, request, *args, **kwargs):
        payload = validated(MemberUpdateSerializer, request.data)
        member = self.get_object()
        registration = services.member_update(actor=request.user, member=member,
                                              household_version=payload["version"],
                                              changes=payload["changes"])
        member.refresh_from_db()
        body = MemberSerializer(member, context=self.get_serializer_context()).data
        return Response({**body, "warnings": [w.as_dict() for w in registration.warnings]})

    @extend_schema(request=MemberLeaveSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        data = validated(MemberLeaveSerializer, request.data)
        member = self.get_object()
        new_head = None
        if data.get("new_head"):
            new_head = member.household.members.filter(pk=data["new_head"], is_active=True).first()
        services.member_leave(actor=request.user, member=member, household_version=data["version"],
                              kind=data["kind"], date=data["date"], note=data["note"], new_head=new_head)
        member.refresh_from_db()
        return Response(MemberSerializer(member, context=self.get_serializer_context()).data)

    @extend_schema(parameters=[OpenApiParameter("field", str, enum=["id_number", "disability_certificate"])],
                   responses={200: dict})
    @action(detail=True, methods=["get"])
    def sensitive(self, request, pk=None):
        member = self.get_object()
        field_name = request.query_params.get("field", "")
        return Response({"field": field_name, "value": services.sensitive_value(
            actor=request.user, obj=member, field_name=field_name)})


class SearchView(RevealAuditMixin, APIView):
    """Search members by ID number, household number, name (either script), pinyin or initials."""

    @extend_schema(parameters=[OpenApiParameter("q", str, required=True)], responses=MemberSerializer(many=True))
    def get(self, request):
        results = selectors.member_search(actor=request.user, query=request.query_params.get("q", ""))
        return Response(MemberSerializer(results, many=True, context={"request": request}).data)


class DuplicateSerializer(serializers.ModelSerializer):
    member = MemberSerializer(read_only=True)
    other = MemberSerializer(read_only=True)

    class Meta:
        model = DuplicateCandidate
        fields = ["id", "member", "other", "decision", "note", "created_at"]


class DuplicateDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["merged", "distinct"])
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DuplicateViewSet(RevealAuditMixin, ServiceViewSet):
    """Possible duplicates (people without ID numbers, same name, birth date and village) waiting for review."""

    serializer_class = DuplicateSerializer

    def select(self, actor):
        return selectors.duplicate_list(actor=actor)

    @extend_schema(request=DuplicateDecisionSerializer, responses=DuplicateSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        payload = validated(DuplicateDecisionSerializer, request.data)
        candidate = services.duplicate_decide(actor=request.user, candidate=self.get_object(),
                                              **payload)
        return Response(DuplicateSerializer(candidate, context=self.get_serializer_context()).data)
