"""The filters of the project lists (the project bank and each project's fundings, beneficiaries, assets and
asset income). A project, household or asset is named among those the user may see; an unknown key is refused
(400)."""


from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet, ScopedChoiceFilter
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import (
    AssetDisposal,
    AssetIncome,
    AssetIncomeShare,
    AssetMaintenance,
    Project,
    ProjectAsset,
    ProjectBeneficiary,
    ProjectFunding,
)


class ProjectFilterSet(ListFilterSet):
    class Meta:
        model = Project
        fields = ["type", "year", "status"]


class ProjectFundingFilterSet(ListFilterSet):
    project = ScopedChoiceFilter(selectors.project_list)

    class Meta:
        model = ProjectFunding
        fields = ["project", "source"]


class ProjectBeneficiaryFilterSet(ListFilterSet):
    project = ScopedChoiceFilter(selectors.project_list)
    household = ScopedChoiceFilter(registry_selectors.household_list)

    class Meta:
        model = ProjectBeneficiary
        fields = ["project", "household", "mechanism"]


class ProjectAssetFilterSet(ListFilterSet):
    project = ScopedChoiceFilter(selectors.project_list)
    owner_area = WithinAreaFilter(field_name="owner_area")

    class Meta:
        model = ProjectAsset
        fields = ["project", "kind", "owner_kind", "owner_area", "owner_level", "fund_source", "status"]


class AssetIncomeFilterSet(ListFilterSet):
    asset = ScopedChoiceFilter(selectors.asset_list)

    class Meta:
        model = AssetIncome
        fields = ["asset", "year"]


class AssetMaintenanceFilterSet(ListFilterSet):
    asset = ScopedChoiceFilter(selectors.asset_list)

    class Meta:
        model = AssetMaintenance
        fields = ["asset"]


class AssetIncomeShareFilterSet(ListFilterSet):
    income = ScopedChoiceFilter(selectors.asset_income_list)
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = AssetIncomeShare
        fields = ["income", "recipient", "area"]


class AssetDisposalFilterSet(ListFilterSet):
    asset = ScopedChoiceFilter(selectors.asset_list)

    class Meta:
        model = AssetDisposal
        fields = ["asset", "status"]
