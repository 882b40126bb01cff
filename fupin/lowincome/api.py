"""The low-income register over HTTP, read-only: the memberships (filtered by area, category, day in force) and
the re-evaluation findings. Writes go through the import, the command and the pages (services)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fupin.core.api import ServiceViewSet
from fupin.registry.api import RevealAuditMixin, request_masking

from . import selectors
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
    category_label = serializers.CharField(source="get_category_display", read_only=True)

    class Meta:
        model = CategoryMembership
        fields = ["id", "person", "household", "category", "category_label", "monitoring_category", "department",
                  "identified_on", "case", "procedure", "publication", "ends_on", "end_reason"]


class LowIncomeFindingSerializer(serializers.ModelSerializer):
    person = PersonField()
    year = serializers.IntegerField(source="reevaluation.year", read_only=True)

    class Meta:
        model = Finding
        fields = ["id", "year", "person", "category", "change", "values", "status"]


class MembershipViewSet(RevealAuditMixin, ServiceViewSet):
    serializer_class = LowIncomeMembershipSerializer
    filterset_class = MembershipFilterSet

    def select(self, actor):
        return selectors.membership_list(actor=actor).order_by("person__area_id", "person_id", "category", "id")


class FindingViewSet(RevealAuditMixin, ServiceViewSet):
    serializer_class = LowIncomeFindingSerializer
    filterset_class = FindingFilterSet

    def select(self, actor):
        return selectors.finding_list(actor=actor).order_by("-reevaluation__year", "category", "change", "id")
