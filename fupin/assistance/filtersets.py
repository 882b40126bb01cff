"""The filters of the assistance lists (plans, delivered measures, visits, loans). A household or cadre is named
among those the user may see; an unknown key is refused (400)."""

import django_filters

from fupin.core.filtersets import ListFilterSet, ScopedChoiceFilter
from fupin.personnel import selectors as personnel_selectors
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import DeliveredMeasure, HouseholdVisit, Loan, Plan


class PlanFilterSet(ListFilterSet):
    household = ScopedChoiceFilter(registry_selectors.household_list)

    class Meta:
        model = Plan
        fields = ["year", "household", "outcome"]


class DeliveredMeasureFilterSet(ListFilterSet):
    household = ScopedChoiceFilter(registry_selectors.household_list)
    measure_type = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.measure_type_list())

    class Meta:
        model = DeliveredMeasure
        fields = ["household", "measure_type"]


class VisitFilterSet(ListFilterSet):
    household = ScopedChoiceFilter(registry_selectors.household_list)
    cadre = ScopedChoiceFilter(personnel_selectors.cadre_list)

    class Meta:
        model = HouseholdVisit
        fields = ["household", "cadre"]


class LoanFilterSet(ListFilterSet):
    household = ScopedChoiceFilter(registry_selectors.household_list)

    class Meta:
        model = Loan
        fields = ["household"]
