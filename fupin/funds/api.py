from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.areas import selectors as area_selectors
from fupin.core.api import ServiceViewSet, validated
from fupin.core.errors import NotFound
from fupin.projects.models import Project
from fupin.registry import selectors as registry_selectors
from fupin.registry.models import Household

from . import linked, selectors, services
from .filtersets import FundDocumentFilterSet, FundEntryFilterSet
from .models import FundDocument, FundEntry


class FundDocumentSerializer(serializers.ModelSerializer):
    issuing_area = serializers.SlugRelatedField(slug_field="code", queryset=area_selectors.division_list(),
                                                allow_null=True, required=False)

    class Meta:
        model = FundDocument
        fields = ["id", "number", "title", "source", "year", "issuing_area", "total", "issued_on"]
        # Uniqueness is the service's check (with a message that names the document), not the serializer's.
        validators = []


class LinkedReportQuerySerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12)
    year = serializers.IntegerField(min_value=1980, max_value=2100)  # before 2021: no linked funds, an empty report


class FundDocumentViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Fund documents (文号) issued in the user's areas or putting money into them; `trace` follows a document's
    money down to households, `balances` gives allocated, arrived and spent per area."""

    serializer_class = FundDocumentSerializer
    filterset_class = FundDocumentFilterSet

    def select(self, actor):
        return selectors.document_list(actor=actor)

    def perform_create(self, serializer):
        serializer.instance = services.fund_document_save(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.fund_document_save(actor=self.request.user, data=serializer.validated_data,
                                                          instance=serializer.instance)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def trace(self, request, pk=None):
        return Response(selectors.trace(actor=request.user, document=self.get_object()))

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True),
                               OpenApiParameter("year", int, required=True)], responses={200: dict})
    @action(detail=False, methods=["get"], url_path="linked-report")
    def linked_report(self, request):
        """衔接资金 of a budget year per county of an area (`?area=CODE&year=YYYY`): allocated, issued, spent, the
        industry share and whether it meets the province's minimum."""
        data = validated(LinkedReportQuerySerializer, request.query_params)
        return Response(linked.linked_funds_report(actor=request.user, area_code=data["area"], year=data["year"]))

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    @action(detail=True, methods=["get"])
    def balances(self, request, pk=None):
        return Response(selectors.balances(actor=request.user, document=self.get_object()))


class FundEntrySerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=area_selectors.division_list(), required=False)
    # Records named by id must lie in the user's areas (another area's answer as missing ones).
    document = ScopedPrimaryKeyRelatedField(model=FundDocument, selector=selectors.document_list)
    project = ScopedPrimaryKeyRelatedField(model=Project, allow_null=True, required=False)
    household = ScopedPrimaryKeyRelatedField(model=Household, allow_null=True, required=False)
    corrects = ScopedPrimaryKeyRelatedField(model=FundEntry, allow_null=True, required=False)

    class Meta:
        model = FundEntry
        fields = ["id", "document", "kind", "area", "project", "household", "corrects", "amount", "date", "note",
                  "recorded_at"]
        read_only_fields = ["recorded_at"]


class FundEntryViewSet(ServiceViewSet, mixins.CreateModelMixin):
    """The ledger: entries are listed and added, never changed or deleted (a correction is an `adjust` entry)."""

    serializer_class = FundEntrySerializer
    filterset_class = FundEntryFilterSet

    def select(self, actor):
        return selectors.entry_list(actor=actor)

    def perform_create(self, serializer):
        serializer.instance = services.entry_save(actor=self.request.user, data=serializer.validated_data)

    @extend_schema(responses={200: dict})
    @action(detail=False, methods=["get"], url_path=r"household/(?P<household_id>[0-9]+)")
    def household(self, request, household_id=None):
        """How much reached a household, from which documents and sources."""
        household = registry_selectors.household_list(actor=request.user).filter(pk=household_id).first()
        if household is None:
            raise NotFound()
        return Response(selectors.household_funds(actor=request.user, household=household))
