from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.choices import Action
from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.areas.selectors import area_by_code
from fupin.core.api import ServiceViewSet, validated
from fupin.registry.models import Member

from . import report, selectors, services
from .filtersets import PairingFilterSet, PartyFilterSet
from .models import Pairing, Party, Workshop


class PartySerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Party
        fields = ["id", "kind", "name", "area", "household", "credit_code"]


class PartyWriteSerializer(serializers.Serializer):
    kind = serializers.CharField()
    name = serializers.CharField()
    area = serializers.CharField()
    credit_code = serializers.CharField(required=False, allow_blank=True, default="")


class PartyViewSet(ServiceViewSet):
    serializer_class = PartySerializer
    filterset_class = PartyFilterSet

    def select(self, actor):
        return selectors.party_list(actor=actor)

    @extend_schema(request=PartyWriteSerializer, responses=PartySerializer)
    def create(self, request, *args, **kwargs):
        data = validated(PartyWriteSerializer, request.data)
        party = services.party_save(actor=request.user, data={**data, "area": area_by_code(data["area"])})
        return Response(PartySerializer(party).data, status=status.HTTP_201_CREATED)


class PairingSerializer(serializers.ModelSerializer):
    helper = PartySerializer(read_only=True)
    helped = PartySerializer(read_only=True)

    class Meta:
        model = Pairing
        fields = ["id", "programme", "helper", "helped", "start_date", "end_date", "status", "committed_funds",
                  "committed_projects", "committed_jobs", "committed_visits", "note"]


class PairingWriteSerializer(serializers.Serializer):
    programme = serializers.SlugRelatedField(slug_field="code", queryset=selectors.programme_list())
    # The far end of a pairing need not lie in the user's areas (an eastern partner pairs with Yunnan): any
    # organisation or area may be named, a household party only where the user may see it.
    helper = ScopedPrimaryKeyRelatedField(model=Party, action=Action.VIEW, open_to=~Q(kind="household"))
    helped = ScopedPrimaryKeyRelatedField(model=Party, action=Action.VIEW, open_to=~Q(kind="household"))
    start_date = serializers.DateField()
    end_date = serializers.DateField(required=False, allow_null=True)
    committed_funds = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    committed_projects = serializers.IntegerField(required=False, min_value=0)
    committed_jobs = serializers.IntegerField(required=False, min_value=0)
    committed_visits = serializers.IntegerField(required=False, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True)


class EndSerializer(serializers.Serializer):
    on = serializers.DateField()


class PairingViewSet(ServiceViewSet):
    """Pairings visible from either end. `?helper_area=4419` whom 东莞 helps; `?helped_area=5333` who helps 怒江."""

    serializer_class = PairingSerializer
    filterset_class = PairingFilterSet

    def select(self, actor):
        return selectors.pairing_list(actor=actor)

    @extend_schema(request=PairingWriteSerializer, responses=PairingSerializer)
    def create(self, request, *args, **kwargs):
        data = dict(validated(PairingWriteSerializer, request.data, context=self.get_serializer_context()))
        pairing = services.pairing_save(actor=request.user, data=data)
        return Response(PairingSerializer(pairing).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EndSerializer, responses=PairingSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        data = validated(EndSerializer, request.data)
        pairing = services.pairing_end(actor=request.user, pairing=self.get_object(), on=data["on"])
        return Response(PairingSerializer(pairing).data)


class WorkshopSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    poor_employee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Workshop
        fields = ["id", "name", "operator", "area", "pairing", "opened_on", "jobs", "poor_employee_count"]


class WorkshopWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    operator = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    area = serializers.CharField()
    pairing = ScopedPrimaryKeyRelatedField(model=Pairing, action=Action.VIEW, required=False, allow_null=True)
    opened_on = serializers.DateField()
    jobs = serializers.IntegerField(min_value=0, required=False, default=0)


class WorkshopEmployeesSerializer(serializers.Serializer):
    # The employees are registered members one may at least see (the workshop's side needs no right over them).
    members = serializers.ListField(child=ScopedPrimaryKeyRelatedField(model=Member, action=Action.VIEW),
                                    min_length=1, max_length=500)


class WorkshopEmployeesAdded(serializers.Serializer):
    added = serializers.IntegerField()
    poor_employee_count = serializers.IntegerField()


class WorkshopViewSet(ServiceViewSet):
    """扶贫车间 and the registered poor they employ. `POST /api/workshops/{id}/employees/` {"members": [ids]} records
    employees (those already recorded are left as they are)."""

    serializer_class = WorkshopSerializer

    def select(self, actor):
        return selectors.workshop_list(actor=actor)

    @extend_schema(request=WorkshopWriteSerializer, responses=WorkshopSerializer)
    def create(self, request, *args, **kwargs):
        data = dict(validated(WorkshopWriteSerializer, request.data, context=self.get_serializer_context()))
        workshop = services.record_save(actor=request.user, kind="workshop",
                                        data={**data, "area": area_by_code(data["area"])})
        return Response(WorkshopSerializer(self.select(request.user).get(pk=workshop.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=WorkshopEmployeesSerializer, responses=WorkshopEmployeesAdded)
    @action(detail=True, methods=["post"])
    def employees(self, request, pk=None):
        workshop = self.get_object()
        data = validated(WorkshopEmployeesSerializer, request.data, context=self.get_serializer_context())
        added = services.workshop_employees_add(actor=request.user, workshop=workshop, members=data["members"])
        return Response({"added": added, "poor_employee_count": workshop.poor_employees.count()})


class CardQuerySerializer(serializers.Serializer):
    area = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class EastWestCardView(APIView):
    """The East–West cooperation report card of a helped area for a period."""

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True),
                               OpenApiParameter("start", str, required=True),
                               OpenApiParameter("end", str, required=True)], responses={200: dict})
    def get(self, request):
        data = validated(CardQuerySerializer, request.query_params)
        return Response(report.east_west_card(actor=request.user, area_code=data["area"], start=data["start"],
                                              end=data["end"]))
