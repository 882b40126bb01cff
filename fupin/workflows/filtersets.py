"""The filters of the workflow lists. Cases: by status, procedure (its code), year and area (a code of 2, 4, 6, 9 or
12 digits selects the area's subtree). Notices and objections are listed unfiltered (unknown keys are refused by
the API's list all the same)."""

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet

from .models import Case


class CaseFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = Case
        fields = ["status", "procedure__code", "year", "area"]
