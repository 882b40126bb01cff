"""The filters of the assistance lists (plans, delivered measures, visits, loans). A household or cadre is named
among those the user may see; an unknown key is refused (400)."""

import django_filters

from fupin.core.filtersets import ListFilterSet
from fupin.personnel import selectors as personnel_selectors
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import DeliveredMeasure, HouseholdVisit, Loan, Plan


def _households(request):
    return registry_selectors.household_list(actor=request.user)


class PlanFilterSet(ListFilterSet):
    household = django_filters.ModelChoiceFilter(queryset=_households)

    class Meta:
        model = Plan
        fields = ["year", "household", "outcome"]


class DeliveredMeasureFilterSet(ListFilterSet):
    household = django_filters.ModelChoiceFilter(queryset=_households)
    measure_type = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.measure_type_list())

    class Meta:
        model = DeliveredMeasure
        fields = ["household", "measure_type"]


class VisitFilterSet(ListFilterSet):
    household = django_filters.ModelChoiceFilter(queryset=_households)
    cadre = django_filters.ModelChoiceFilter(
        queryset=lambda request: personnel_selectors.cadre_list(actor=request.user))

    class Meta:
        model = HouseholdVisit
        fields = ["household", "cadre"]


class LoanFilterSet(ListFilterSet):
    household = django_filters.ModelChoiceFilter(queryset=_households)

    class Meta:
        model = Loan
        fields = ["household"]
