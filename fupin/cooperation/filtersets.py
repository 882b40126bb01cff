"""The filters of the cooperation lists, one FilterSet per list, shared by the API endpoints and the pairings page.
Areas are named by a code of 2, 4, 6, 9 or 12 digits and select the area's subtree."""

import django_filters

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet

from . import selectors
from .models import Pairing, Party


class PartyFilterSet(ListFilterSet):
    class Meta:
        model = Party
        fields = ["kind"]


class PairingFilterSet(ListFilterSet):
    """`?helper_area=4419` whom 东莞 helps; `?helped_area=5333` who helps 怒江. The page reads its side of the
    graph and a day the pairings were in force itself."""

    programme = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.programme_list())
    helper_area = WithinAreaFilter(field_name="helper__area")
    helped_area = WithinAreaFilter(field_name="helped__area")
    page_keys = frozenset({"side", "on"})

    class Meta:
        model = Pairing
        fields = ["programme", "status", "helper_area", "helped_area"]
