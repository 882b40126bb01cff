from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from fupin.accounts.choices import Action
from fupin.accounts.fields import ScopedPrimaryKeyRelatedField
from fupin.areas import selectors as area_selectors
from fupin.cooperation.models import Party
from fupin.core.api import ServiceViewSet, validated
from fupin.registry.models import Household, Member

from . import codelists as cl
from . import ledger, selectors, services
from .filtersets import (
    AssetDisposalFilterSet,
    AssetIncomeFilterSet,
    AssetIncomeShareFilterSet,
    AssetMaintenanceFilterSet,
    ProjectAssetFilterSet,
    ProjectBeneficiaryFilterSet,
    ProjectFilterSet,
    ProjectFundingFilterSet,
)
from .models import (
    AssetDisposal,
    AssetIncome,
    AssetIncomeShare,
    AssetMaintenance,
    Project,
    ProjectAsset,
    ProjectBeneficiary,
    ProjectDocument,
    ProjectFunding,
    ProjectStage,
)

# Records named by id must lie in the user's areas; another area's answer as missing ones. The project a record
# hangs under is named if the user may see it (the service checks `change` there: 403 for a viewer).
PROJECT_FIELD = {"model": Project, "action": Action.VIEW}
# Organisations are public and may bring projects from anywhere; a household party only where the user sees it.
PARTY_FIELD = {"model": Party, "action": Action.VIEW, "open_to": ~Q(kind="household")}


class StageSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectStage
        fields = ["stage", "planned_start", "planned_end", "completed_on"]


class FundingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectFunding
        fields = ["source", "planned", "actual"]


class ProjectSerializer(serializers.ModelSerializer):
    area = serializers.SlugRelatedField(slug_field="code", queryset=area_selectors.division_list())
    helper = ScopedPrimaryKeyRelatedField(**PARTY_FIELD, allow_null=True, required=False)
    unit = serializers.CharField(read_only=True)
    stages = StageSerializer(many=True, read_only=True)
    fundings = FundingSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "name", "type", "area", "year", "planned_start", "planned_end", "actual_start", "actual_end",
                  "planned_scale", "actual_scale", "unit", "helper", "status", "stages", "fundings"]


class CompleteSerializer(serializers.Serializer):
    stage = serializers.ChoiceField(choices=cl.STAGE.choices)
    on = serializers.DateField()


class DocumentSerializer(serializers.ModelSerializer):
    """A document filed with its file (multipart); type, hash, size and name come from the checked file."""

    file = serializers.FileField(write_only=True, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = ProjectDocument
        fields = ["id", "stage", "kind", "number", "title", "file", "content_type", "sha256", "size",
                  "original_name", "uploaded_at"]
        read_only_fields = ["content_type", "sha256", "size", "original_name", "uploaded_at"]


class DelayQuerySerializer(serializers.Serializer):
    on = serializers.DateField()


class ProjectViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """The project bank; stages complete through `complete`, which refuses while a required document is missing."""

    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet

    def select(self, actor):
        return selectors.project_list(actor=actor).prefetch_related("stages", "fundings")

    def perform_create(self, serializer):
        serializer.instance = services.project_save(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.project_save(actor=self.request.user, data=serializer.validated_data,
                                                    instance=serializer.instance)

    @extend_schema(request=CompleteSerializer, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        data = validated(CompleteSerializer, request.data)
        stage = services.stage_complete(actor=request.user, project=self.get_object(), stage=data["stage"],
                                        on=data["on"])
        return Response(StageSerializer(stage).data)

    @extend_schema(request={"multipart/form-data": DocumentSerializer}, responses=DocumentSerializer)
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        data = validated(DocumentSerializer, request.data)
        document = services.document_save(actor=request.user, data={**data, "project": self.get_object()})
        return Response(DocumentSerializer(document).data, status=201)

    @extend_schema(parameters=[OpenApiParameter("on", str, required=True)], responses={200: dict})
    @action(detail=True, methods=["get"])
    def delay(self, request, pk=None):
        data = validated(DelayQuerySerializer, request.query_params)
        return Response(selectors.delay_status(self.get_object(), data["on"]))


# A project's records: funding, beneficiaries, assets and the assets' income ------------------------------------
# Each is scoped through its project's area like the project bank itself (selectors.funding_list …).

class ProjectFundingRecordSerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(**PROJECT_FIELD)

    class Meta:
        model = ProjectFunding
        fields = ["id", "project", "source", "planned", "actual"]
        # The service refuses a second row of a source with a translated message naming the field; the unique
        # validator DRF would derive from the constraint answers before it, untranslated and without the field.
        validators = []


class ProjectBeneficiarySerializer(serializers.ModelSerializer):
    project = ScopedPrimaryKeyRelatedField(**PROJECT_FIELD)
    household = ScopedPrimaryKeyRelatedField(model=Household)
    member = ScopedPrimaryKeyRelatedField(model=Member, allow_null=True, required=False)
    household_number = serializers.CharField(source="household.number", read_only=True)

    class Meta:
        model = ProjectBeneficiary
        fields = ["id", "project", "household", "household_number", "member", "mechanism", "amount", "persons"]


class ProjectAssetSerializer(serializers.ModelSerializer):
    # Not required: for a household-owned asset the service takes the household's village.
    owner_area = serializers.SlugRelatedField(slug_field="code", queryset=area_selectors.division_list(),
                                              required=False)
    project = ScopedPrimaryKeyRelatedField(**PROJECT_FIELD)
    owner_household = ScopedPrimaryKeyRelatedField(model=Household, allow_null=True, required=False)

    class Meta:
        model = ProjectAsset
        fields = ["id", "project", "kind", "name", "value", "owner_kind", "owner_name", "owner_area",
                  "owner_household", "handed_over_on", "fund_source", "formed_on", "owner_level",
                  "certificate_number", "certified_on", "custodian", "status"]
        read_only_fields = ["status"]  # kept by the disposal steps


class AssetIncomeSerializer(serializers.ModelSerializer):
    asset = ScopedPrimaryKeyRelatedField(model=ProjectAsset, action=Action.VIEW)

    class Meta:
        model = AssetIncome
        fields = ["id", "asset", "year", "amount", "distributed_to_households"]
        validators = []  # one row per asset and year: checked by the service, as for fundings


class ProjectRecordViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """A record of a project, seen wherever its project is (`selector`) and written through its service (`service`),
    which checks `change` where the record is and where it is saved. No delete: corrections are updates, audited."""

    selector: staticmethod
    service: staticmethod

    def select(self, actor):
        return self.selector(actor=actor)

    def perform_create(self, serializer):
        serializer.instance = self.service(actor=self.request.user, data=serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = self.service(actor=self.request.user, data=serializer.validated_data,
                                           instance=serializer.instance)


class ProjectFundingViewSet(ProjectRecordViewSet):
    """A project's planned and actual money by fund source (one row per source)."""

    serializer_class = ProjectFundingRecordSerializer
    filterset_class = ProjectFundingFilterSet
    selector = staticmethod(selectors.funding_list)
    service = staticmethod(services.funding_save)


class ProjectBeneficiaryViewSet(ProjectRecordViewSet):
    """Households benefiting from a project; a household outside the project's county is refused."""

    serializer_class = ProjectBeneficiarySerializer
    filterset_class = ProjectBeneficiaryFilterSet
    selector = staticmethod(selectors.beneficiary_list)
    service = staticmethod(services.beneficiary_save)


class LedgerQuerySerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12)
    public = serializers.BooleanField(required=False, default=False)


class ProjectAssetViewSet(ProjectRecordViewSet):
    """Assets the projects formed (扶贫资产): class, source, 确权 (owner level and certificate), custodian and
    status; `ledger` is an area's 总账, `village-ledger` a village's 明细台账 (`public=true`: the posted version)."""

    serializer_class = ProjectAssetSerializer
    filterset_class = ProjectAssetFilterSet
    selector = staticmethod(selectors.asset_list)
    service = staticmethod(services.asset_save)

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True)], responses={200: dict})
    @action(detail=False, methods=["get"])
    def ledger(self, request):
        data = validated(LedgerQuerySerializer, request.query_params)
        return Response(ledger.county_ledger(actor=request.user, area_code=data["area"]))

    @extend_schema(parameters=[OpenApiParameter("area", str, required=True), OpenApiParameter("public", bool)],
                   responses={200: dict})
    @action(detail=False, methods=["get"], url_path="village-ledger")
    def village_ledger(self, request):
        data = validated(LedgerQuerySerializer, request.query_params)
        return Response(ledger.village_ledger(actor=request.user, area_code=data["area"], public=data["public"]))


class AssetIncomeViewSet(ProjectRecordViewSet):
    """An asset's income by year and the part distributed to households."""

    serializer_class = AssetIncomeSerializer
    filterset_class = AssetIncomeFilterSet
    selector = staticmethod(selectors.asset_income_list)
    service = staticmethod(services.asset_income_save)


class AssetMaintenanceSerializer(serializers.ModelSerializer):
    asset = ScopedPrimaryKeyRelatedField(model=ProjectAsset, action=Action.VIEW)

    class Meta:
        model = AssetMaintenance
        fields = ["id", "asset", "date", "cost", "note", "recorded_at"]
        read_only_fields = ["recorded_at"]


class AssetMaintenanceViewSet(ProjectRecordViewSet):
    """Maintenance records of assets (管护): date, cost and what was done."""

    serializer_class = AssetMaintenanceSerializer
    filterset_class = AssetMaintenanceFilterSet
    selector = staticmethod(selectors.maintenance_list)
    service = staticmethod(services.maintenance_save)


class AssetIncomeShareSerializer(serializers.ModelSerializer):
    income = ScopedPrimaryKeyRelatedField(model=AssetIncome, action=Action.VIEW)
    # Not required: a household's payment takes the household's village.
    area = serializers.SlugRelatedField(slug_field="code", queryset=area_selectors.division_list(), required=False)
    household = ScopedPrimaryKeyRelatedField(model=Household, allow_null=True, required=False)
    # A method, not a source with a default: DRF skips a read-only field's default on PATCH, and the answer would
    # lack the key its schema requires.
    household_number = serializers.SerializerMethodField()

    class Meta:
        model = AssetIncomeShare
        fields = ["id", "income", "recipient", "area", "household", "household_number", "amount", "paid_on",
                  "posted_on"]

    def get_household_number(self, share) -> str | None:
        return share.household.number if share.household_id else None


class AssetIncomeShareViewSet(ProjectRecordViewSet):
    """How asset income was distributed (收益分配) to village collectives and households; households are named by
    their number, never an ID number."""

    serializer_class = AssetIncomeShareSerializer
    filterset_class = AssetIncomeShareFilterSet
    selector = staticmethod(selectors.income_share_list)
    service = staticmethod(services.income_share_save)


class AssetDisposalSerializer(serializers.ModelSerializer):
    asset = ScopedPrimaryKeyRelatedField(model=ProjectAsset, action=Action.VIEW)
    next_step = serializers.SerializerMethodField()

    class Meta:
        model = AssetDisposal
        fields = ["id", "asset", "status", "reason", "value", "applied_on", "township_on", "county_on",
                  "disposed_on", "rejected_on", "note", "next_step"]
        read_only_fields = ["status", "township_on", "county_on", "disposed_on", "rejected_on", "note"]
        validators = []  # one live disposal per asset: the service's check, with its message

    def get_next_step(self, disposal) -> str | None:
        return services.next_disposal_step(disposal)


class DisposalStepSerializer(serializers.Serializer):
    step = serializers.ChoiceField(choices=[("township", "township"), ("county", "county"),
                                            ("disposed", "disposed")])
    on = serializers.DateField()
    approve = serializers.BooleanField(default=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssetDisposalViewSet(ServiceViewSet, mixins.CreateModelMixin):
    """Disposals of assets (处置): applied for (POST), then `step`: the township's approval (unless owned at
    county level), the county's, and the disposal carried out; an approval may refuse (`approve: false`)."""

    serializer_class = AssetDisposalSerializer
    filterset_class = AssetDisposalFilterSet

    def select(self, actor):
        return selectors.disposal_list(actor=actor)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.disposal_apply(actor=self.request.user, asset=data["asset"],
                                                      reason=data.get("reason", ""), value=data.get("value"),
                                                      applied_on=data.get("applied_on"))

    @extend_schema(request=DisposalStepSerializer, responses=AssetDisposalSerializer)
    @action(detail=True, methods=["post"])
    def step(self, request, pk=None):
        data = validated(DisposalStepSerializer, request.data)
        disposal = services.disposal_step(actor=request.user, disposal=self.get_object(), **data)
        return Response(AssetDisposalSerializer(disposal, context=self.get_serializer_context()).data)
