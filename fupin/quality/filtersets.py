"""The filters of the findings list, shared by the API endpoint and the data-quality page."""

import django_filters
from django import forms

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core.filtersets import ListFilterSet

from .models import Finding, FindingStatus


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField


class FindingFilterSet(ListFilterSet):
    """`?area=` the area's whole subtree, `?year=`, `?rule=`, `?status=open|fixed|explained|accepted` (open when
    not given; empty: every status)."""

    area = WithinAreaFilter(field_name="area_code")
    year = YearFilter(min_value=2000, max_value=2100)
    rule = django_filters.CharFilter(field_name="rule_id")
    status = django_filters.CharFilter(method="filter_status")

    class Meta:
        model = Finding
        fields = ["area", "year", "rule", "status"]

    def filter_status(self, queryset, name, value):
        return queryset.filter(status=value) if value else queryset

    def filter_queryset(self, queryset):
        if "status" not in self.data:
            queryset = queryset.filter(status=FindingStatus.OPEN)
        return super().filter_queryset(queryset)
