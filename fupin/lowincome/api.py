"""The low-income register over HTTP: the memberships (filtered by area, category, day in force; POST adds one,
PATCH with an end date ends it) and the re-evaluation findings (`POST …/open-case/` opens the procedure a finding
calls for). Every write goes through the services (permission in the person's village, dates and overlaps checked,
one transaction, an audit event)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.core.api import ServiceViewSet, validated
from fupin.core.errors import NotFound
from fupin.registry.api import RevealAuditMixin, request_masking

from . import selectors, services
from .filtersets import FindingFilterSet, MembershipFilterSet
from .models import CategoryMembership, Finding


class LowIncomePersonSerializer(serializers.Serializer):
    """What PersonField answers, for the API schema."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    id_number = serializers.CharField(help_text="masked unless the reader may see it in the person's village")
    village = serializers.CharField()
    household = serializers.IntegerField(allow_null=True)


@extend_schema_field(LowIncomePersonSerializer)
class PersonField(serializers.Field):
    """The person as a reader needs them: name, village and the ID number masked unless it may be seen there."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, person) -> dict:
        # The response's one Masking (RevealAuditMixin audits what it showed unmasked, once).
        number = request_masking(self.context["request"]).values(person, person.area_id, ("id_number",))[
            "id_number"]
        return {"id": person.pk, "name": person.name, "id_number": number, "village": person.area_id,
                "household": person.household_id}


class LowIncomeMembershipSerializer(serializers.ModelSerializer):
    person = PersonField()
    category_label = serializers.SerializerMethodField()

    class Meta:
        model = CategoryMembership
        fields = ["id", "person", "household", "category", "category_label", "monitoring_category", "department",
                  "identified_on", "case", "procedure", "publication", "ends_on", "end_reason"]
        read_only_fields = fields

    def get_category_label(self, membership) -> str:
        return membership.get_category_display()


class LowIncomeMembershipCreateSerializer(serializers.Serializer):
    """A membership of a person already in the register (`person`) or named by ID number: one in the 建档立卡
    registry is linked to the member; another needs their name and village. The service checks the category,
    the dates (not future, end not before start), the deciding department and overlaps of the same category."""

    person = serializers.IntegerField(required=False, help_text="a person of the register (else `id_number`)")
    id_number = serializers.CharField(required=False, max_length=30)
    name = serializers.CharField(required=False, allow_blank=True, max_length=60)
    village = serializers.CharField(required=False, allow_blank=True, max_length=12,
                                    help_text="the village's area code, for a person not in the registry")
    category = serializers.CharField(max_length=12, help_text="dibao, tekun, monitoring, edge, rigid or other")
    monitoring_category = serializers.CharField(required=False, allow_blank=True, max_length=1)
    department = serializers.CharField(max_length=60)
    identified_on = serializers.DateField()
    procedure = serializers.CharField(required=False, allow_blank=True, max_length=200)
    publication = serializers.CharField(required=False, max_length=14)
    ends_on = serializers.DateField(required=False, allow_null=True)
    end_reason = serializers.CharField(required=False, allow_blank=True, max_length=16)


class LowIncomeMembershipEndSerializer(serializers.Serializer):
    ends_on = serializers.DateField(required=False, allow_null=True,
                                    help_text="the first day out: not in the future, not before identified_on")
    end_reason = serializers.CharField(max_length=16)


class LowIncomeOpenCaseSerializer(serializers.Serializer):
    category = serializers.CharField(required=False, allow_blank=True, max_length=1,
                                     help_text="monitoring category 1, 2 or 3 (default: the rules' evaluation)")
    on = serializers.DateField(required=False, help_text="the case's start date (default today)")


class LowIncomeFindingSerializer(serializers.ModelSerializer):
    person = PersonField()
    year = serializers.SerializerMethodField()
    procedure = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = ["id", "year", "person", "category", "change", "values", "status", "procedure", "case"]
        read_only_fields = fields

    def get_year(self, finding) -> int:
        return finding.reevaluation.year

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_procedure(self, finding) -> str | None:
        """The procedure that acts on the finding here (its case, once opened, in `case`)."""
        return services.finding_procedure(finding)


class MembershipViewSet(RevealAuditMixin, ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Memberships in the user's areas. POST adds one (through the service); PATCH {"ends_on", "end_reason"}
    ends an open one. No PUT, no delete: a membership that ended stays on the record."""

    serializer_class = LowIncomeMembershipSerializer
    filterset_class = MembershipFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def select(self, actor):
        return selectors.membership_list(actor=actor).order_by("person__area_id", "person_id", "category", "id")

    @extend_schema(request=LowIncomeMembershipCreateSerializer, responses={201: LowIncomeMembershipSerializer})
    def create(self, request, *args, **kwargs):
        data = dict(validated(LowIncomeMembershipCreateSerializer, request.data))
        person = None
        if data.get("person") is not None:
            # A person the user may see; another area's answers as a missing one (the service checks `change`).
            person = selectors.person_list(actor=request.user).filter(pk=data.pop("person")).first()
            if person is None:
                raise NotFound()
        saved = services.membership_add(actor=request.user, data=data, person=person)
        return Response(self.get_serializer(self.select(request.user).get(pk=saved.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=LowIncomeMembershipEndSerializer, responses=LowIncomeMembershipSerializer)
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        data = validated(LowIncomeMembershipEndSerializer, request.data)
        services.membership_end(actor=request.user, membership=membership, ends_on=data.get("ends_on"),
                                reason=data["end_reason"])
        return Response(self.get_serializer(self.select(request.user).get(pk=membership.pk)).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)


class FindingViewSet(RevealAuditMixin, ServiceViewSet):
    serializer_class = LowIncomeFindingSerializer
    filterset_class = FindingFilterSet

    def select(self, actor):
        return selectors.finding_list(actor=actor).order_by("-reevaluation__year", "category", "change", "id")

    @extend_schema(request=LowIncomeOpenCaseSerializer, responses=LowIncomeFindingSerializer)
    @action(detail=True, methods=["post"], url_path="open-case")
    def open_case(self, request, pk=None):
        """Open the procedure case the finding calls for (monitoring identification or risk elimination), or
        answer the one it already opened."""
        data = validated(LowIncomeOpenCaseSerializer, request.data)
        finding = self.get_object()
        services.finding_open_case(actor=request.user, finding=finding, category=data.get("category", ""),
                                   on=data.get("on"))
        return Response(self.get_serializer(self.select(request.user).get(pk=finding.pk)).data)
