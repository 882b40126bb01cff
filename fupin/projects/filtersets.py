"""The filters of the project lists (the project bank and each project's fundings, beneficiaries, assets and
asset income). A project, household or asset is named among those the user may see; an unknown key is refused
(400)."""

import django_filters

from fupin.core.filtersets import ListFilterSet
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import AssetIncome, Project, ProjectAsset, ProjectBeneficiary, ProjectFunding


def _projects(request):
    return selectors.project_list(actor=request.user)


class ProjectFilterSet(ListFilterSet):
    class Meta:
        model = Project
        fields = ["type", "year", "status"]


class ProjectFundingFilterSet(ListFilterSet):
    project = django_filters.ModelChoiceFilter(queryset=_projects)

    class Meta:
        model = ProjectFunding
        fields = ["project", "source"]


class ProjectBeneficiaryFilterSet(ListFilterSet):
    project = django_filters.ModelChoiceFilter(queryset=_projects)
    household = django_filters.ModelChoiceFilter(
        queryset=lambda request: registry_selectors.household_list(actor=request.user))

    class Meta:
        model = ProjectBeneficiary
        fields = ["project", "household", "mechanism"]


class ProjectAssetFilterSet(ListFilterSet):
    project = django_filters.ModelChoiceFilter(queryset=_projects)

    class Meta:
        model = ProjectAsset
        fields = ["project", "kind", "owner_kind"]


class AssetIncomeFilterSet(ListFilterSet):
    asset = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.asset_list(actor=request.user))

    class Meta:
        model = AssetIncome
        fields = ["asset", "year"]
