"""The filters of the fund lists (documents and ledger entries). An entry's `area` is a code as users type it
(`?area=533301` is the county and everything in it); a document, project or household is named among those the user
may see; an unknown key is refused (400)."""

import django_filters

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet
from fupin.projects import selectors as project_selectors
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import FundDocument, FundEntry


class FundDocumentFilterSet(ListFilterSet):
    class Meta:
        model = FundDocument
        fields = ["source", "year"]


class FundEntryFilterSet(ListFilterSet):
    document = django_filters.ModelChoiceFilter(
        queryset=lambda request: selectors.document_list(actor=request.user))
    area = WithinAreaFilter(field_name="area")
    project = django_filters.ModelChoiceFilter(
        queryset=lambda request: project_selectors.project_list(actor=request.user))
    household = django_filters.ModelChoiceFilter(
        queryset=lambda request: registry_selectors.household_list(actor=request.user))

    class Meta:
        model = FundEntry
        fields = ["document", "kind", "area", "project", "household"]
