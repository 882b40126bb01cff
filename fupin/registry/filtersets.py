"""The filters of the registry's lists (households, members), one FilterSet per list. An area is named by a code of
2, 4, 6, 9 or 12 digits and selects its subtree (`?area=533301` is the county and everything in it); a household is
named among those the user may see; an unknown key is refused (400)."""

import django_filters
from django import forms

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet, ScopedChoiceFilter

from . import selectors
from .models import Household, Member


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # `?year=abc` or `?year=20.5` is a 400


class HouseholdFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")
    year = YearFilter(method="in_year", min_value=2000, max_value=2100)  # households with a record for the year
    year_status = django_filters.CharFilter(method="with_year")  # with `year`: the status at that year's end

    class Meta:
        model = Household
        fields = ["area", "status", "attribute", "main_cause", "monitoring_category", "year", "year_status"]

    def in_year(self, queryset, name, year):
        status = self.form.cleaned_data.get("year_status")
        return queryset.filter(years__year=year, **({"years__status": status} if status else {}))

    def with_year(self, queryset, name, value):
        return queryset  # `in_year` reads it (the status of the same year's record); without a year it is ignored


class MemberFilterSet(ListFilterSet):
    household = ScopedChoiceFilter(selectors.household_list)

    class Meta:
        model = Member
        fields = ["household", "is_active", "sex", "ethnicity", "health", "labour"]
