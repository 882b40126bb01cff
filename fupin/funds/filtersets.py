"""The filters of the fund lists (documents and ledger entries). An entry's `area` is a code as users type it
(`?area=533301` is the county and everything in it); a document, project or household is named among those the user
may see; an unknown key is refused (400)."""


from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet, ScopedChoiceFilter
from fupin.projects import selectors as project_selectors
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import FundDocument, FundEntry


class FundDocumentFilterSet(ListFilterSet):
    class Meta:
        model = FundDocument
        fields = ["source", "year"]


class FundEntryFilterSet(ListFilterSet):
    document = ScopedChoiceFilter(selectors.document_list)
    area = WithinAreaFilter(field_name="area")
    project = ScopedChoiceFilter(project_selectors.project_list)
    household = ScopedChoiceFilter(registry_selectors.household_list)

    class Meta:
        model = FundEntry
        fields = ["document", "kind", "area", "project", "household"]
