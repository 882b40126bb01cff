"""The filters of the low-income lists (memberships, re-evaluation findings), shared by the pages and the API."""

import datetime

import django_filters
from django.db.models import Q

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet

from . import codelists as cl
from .models import CategoryMembership, Change, Finding, FindingStatus


class MembershipFilterSet(ListFilterSet):
    """`?area=` the subtree, `?category=`, `?on=YYYY-MM-DD` the memberships in force that day."""

    area = WithinAreaFilter(field_name="person__area")
    category = django_filters.ChoiceFilter(choices=cl.CATEGORY.choices)
    on = django_filters.DateFilter(method="filter_on")

    class Meta:
        model = CategoryMembership
        fields = ["area", "category", "on"]

    def filter_on(self, queryset, name, value: datetime.date):
        return queryset.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=value), identified_on__lte=value)


class FindingFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="person__area")
    year = django_filters.NumberFilter(field_name="reevaluation__year", min_value=2021, max_value=2100)
    category = django_filters.ChoiceFilter(choices=cl.CATEGORY.choices)
    change = django_filters.ChoiceFilter(choices=Change.choices)
    status = django_filters.ChoiceFilter(choices=FindingStatus.choices)

    class Meta:
        model = Finding
        fields = ["area", "year", "category", "change", "status"]
