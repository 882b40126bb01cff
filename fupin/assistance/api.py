"""Assistance over HTTP: plans (with their coverage of the causes), delivered measures, visits, loans, and the
list of households not visited in time. Reads through selectors, writes through `services.record_save`."""

from django.db.models import Manager
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.core.api import ServiceViewSet, validated
from fupin.core.errors import NotFound
from fupin.personnel import selectors as personnel_selectors
from fupin.personnel.models import Cadre
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household, Member

from . import codelists as cl
from . import selectors, services
from .filtersets import DeliveredMeasureFilterSet, LoanFilterSet, PlanFilterSet, VisitFilterSet
from .models import DeliveredMeasure, HouseholdVisit, Loan, Plan, PlannedMeasure


class PlannedMeasureSerializer(serializers.ModelSerializer):
    # A member of the user's areas only (another area's answers as missing).
    member = ScopedPrimaryKeyRelatedField(model=Member, allow_null=True, required=False)

    class Meta:
        model = PlannedMeasure
        fields = ["measure_type", "member", "planned_amount", "note"]


class PlanListSerializer(serializers.ListSerializer):
    """A page of plans: their coverage is read for all of them at once (selectors.plans_coverage)."""

    def to_representation(self, data):
        plans = list(data.all() if isinstance(data, Manager) else data)
        self.child.coverages = selectors.plans_coverage(plans)
        return super().to_representation(plans)


class PlanSerializer(serializers.ModelSerializer):
    planned = PlannedMeasureSerializer(many=True, read_only=True)
    coverage = serializers.SerializerMethodField()
    coverages: dict = {}  # plan id → Coverage, read ahead by PlanListSerializer

    class Meta:
        model = Plan
        fields = ["id", "household", "year", "causes", "outcome", "note", "planned", "coverage"]
        list_serializer_class = PlanListSerializer

    def get_coverage(self, plan) -> dict:
        coverage = self.coverages.get(plan.pk) or selectors.plan_coverage(plan)
        return {"causes": coverage.causes, "planned_uncovered": coverage.planned_uncovered,
                "delivered_uncovered": coverage.delivered_uncovered, "covered": coverage.covered}


class PlanWriteSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    year = serializers.IntegerField(min_value=2013, max_value=2100)
    causes = serializers.ListField(child=serializers.CharField(), required=False)
    outcome = serializers.CharField(required=False, default="in_progress")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    planned = PlannedMeasureSerializer(many=True, required=False)


def _household(actor, pk) -> Household:
    """A household the actor may see (so nobody learns of households outside their areas)."""
    household = registry_selectors.household_list(actor=actor).filter(pk=pk).first()
    if household is None:
        raise NotFound()
    return household


class PlanViewSet(ServiceViewSet, mixins.CreateModelMixin):
    serializer_class = PlanSerializer
    filterset_class = PlanFilterSet

    def select(self, actor):
        return selectors.record_list(actor=actor, model=Plan).prefetch_related("planned")

    @extend_schema(request=PlanWriteSerializer, responses=PlanSerializer)
    def create(self, request, *args, **kwargs):
        data = validated(PlanWriteSerializer, request.data, context=self.get_serializer_context())
        plan = services.plan_save(actor=request.user, household=_household(request.user, data["household"]),
                                  year=data["year"], causes=data.get("causes"), planned=data.get("planned", ()),
                                  outcome=data["outcome"], note=data["note"])
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


class RecordViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """A kind of household record: create and correct (PATCH) through the service; `kind` names it there."""

    kind: str
    write_serializer = None

    def select(self, actor):
        return selectors.record_list(actor=actor, model=services.RULES[self.kind][0])

    def _write(self, request, instance=None):
        context = self.get_serializer_context()
        data = dict(validated(self.write_serializer, request.data, context=context) if instance is None else validated(
            self.write_serializer, {**self.serializer_class(instance).data, **request.data}, context=context))
        data["household"] = instance.household if instance else _household(request.user, data["household"])
        if data.get("member") is not None:
            data["member"] = data["household"].members.filter(pk=data["member"]).first()
        record = services.record_save(actor=request.user, kind=self.kind, data=data, instance=instance)
        return Response(self.serializer_class(record).data,
                        status=status.HTTP_200_OK if instance else status.HTTP_201_CREATED)

    def create(self, request, *args, **kwargs):
        return self._write(request)

    def update(self, request, *args, **kwargs):
        return self._write(request, self.get_object())


class DeliveredMeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveredMeasure
        fields = ["id", "household", "plan", "measure_type", "member", "delivered_on", "amount", "provider",
                  "project", "fund_document", "note", "end_rule", "agreement_ends_on", "loan", "school_status",
                  "ends_on"]
        read_only_fields = ["school_status", "ends_on"]  # derived by the service from the end rule


class DeliveredMeasureWriteSerializer(serializers.Serializer):
    household = serializers.IntegerField()
    measure_type = serializers.PrimaryKeyRelatedField(queryset=selectors.measure_type_list())
    member = serializers.IntegerField(required=False, allow_null=True)
    delivered_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    # How the support ends (empty: the measure type's rule); the end day itself is derived (`ends_on`).
    end_rule = serializers.ChoiceField(choices=cl.END_RULE.choices, required=False, allow_blank=True)
    agreement_ends_on = serializers.DateField(required=False, allow_null=True)
    loan = ScopedPrimaryKeyRelatedField(model=Loan, required=False, allow_null=True)


class DeliveredMeasureViewSet(RecordViewSet):
    kind = "delivered"
    serializer_class = DeliveredMeasureSerializer
    write_serializer = DeliveredMeasureWriteSerializer
    filterset_class = DeliveredMeasureFilterSet

    @extend_schema(request=DeliveredMeasureWriteSerializer, responses=DeliveredMeasureSerializer)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class VisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HouseholdVisit
        fields = ["id", "household", "cadre", "visited_on", "notes", "photos", "latitude", "longitude"]


class VisitWriteSerializer(serializers.ModelSerializer):
    household = serializers.IntegerField()
    # A cadre the user may see (kept, serving or contacting in their areas).
    cadre = ScopedPrimaryKeyRelatedField(model=Cadre, selector=personnel_selectors.cadre_list)

    class Meta:
        model = HouseholdVisit
        fields = ["household", "cadre", "visited_on", "notes", "photos", "latitude", "longitude"]


class VisitViewSet(RecordViewSet):
    kind = "visit"
    serializer_class = VisitSerializer
    write_serializer = VisitWriteSerializer
    filterset_class = VisitFilterSet

    @extend_schema(request=VisitWriteSerializer, responses=VisitSerializer)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class LoanSerializer(serializers.ModelSerializer):
    class Meta:
        model = Loan
        fields = ["id", "household", "bank", "amount", "issued_on", "due_on", "annual_rate", "repaid_amount",
                  "repaid_on"]


class LoanWriteSerializer(LoanSerializer):
    household = serializers.IntegerField()

    class Meta(LoanSerializer.Meta):
        fields = LoanSerializer.Meta.fields[1:]


class LoanViewSet(RecordViewSet):
    kind = "loan"
    serializer_class = LoanSerializer
    write_serializer = LoanWriteSerializer
    filterset_class = LoanFilterSet

    @extend_schema(request=LoanWriteSerializer, responses=LoanSerializer)
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class NotVisitedQuerySerializer(serializers.Serializer):
    area = serializers.CharField()
    on = serializers.DateField()
    months = serializers.IntegerField(required=False, min_value=1, max_value=24)


class NotVisitedView(APIView):
    """Poor and monitored households whose cadres have not visited them within the interval (default: the
    province's visit_interval_months)."""

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True), OpenApiParameter("on", str, required=True),
                               OpenApiParameter("months", int)], responses={200: dict})
    def get(self, request):
        data = validated(NotVisitedQuerySerializer, request.query_params)
        rows = selectors.households_not_visited(actor=request.user, area_code=data["area"], on=data["on"],
                                                months=data.get("months"))
        return Response({"results": [{"id": h.pk, "number": h.number, "village": h.area_id,
                                      "last_visit": h.last_visit} for h in rows]})
