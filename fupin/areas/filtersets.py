"""The area filter every list shares: a code as users type it (2, 4, 6, 9 or 12 digits, half- or full-width)
selects that area's whole subtree — `?area=533301` is 泸水市 and everything in it, like 533301000000."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.core import areacodes as codes
from fupin.core.filtersets import ListFilterSet

from . import selectors
from .models import Area, AreaDesignation, AreaYear

NOT_A_CODE = _("%(code)s is not an area code (2, 4, 6, 9 or 12 digits).")


class AreaCodeField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            padded = codes.normalise_code(value)
        except ValueError:
            raise forms.ValidationError(NOT_A_CODE, params={"code": value}) from None
        return codes.prefix_of(padded, codes.level_of(padded))


class WithinAreaFilter(django_filters.Filter):
    """Rows whose area (at `field_name`, an area code or a foreign key to Area) lies in the named area's subtree:
    one range on the indexed 12-digit code."""

    field_class = AreaCodeField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("area (code)"))
        super().__init__(*args, **kwargs)

    def filter(self, queryset, prefix):
        if not prefix:
            return queryset
        low, high = codes.code_range(prefix)
        return queryset.filter(**{f"{self.field_name}__gte": low, f"{self.field_name}__lte": high})


class AreaFilterSet(ListFilterSet):
    within = WithinAreaFilter(field_name="code", label="subtree of this area code")
    name = django_filters.CharFilter(lookup_expr="icontains")
    # A parent is named freely (the divisions are public): the list itself is scoped.
    parent = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.area_choices())

    class Meta:
        model = Area
        fields = ["level", "parent", "region_class"]


class DesignationFilterSet(ListFilterSet):
    designation_type = django_filters.ModelChoiceFilter(queryset=lambda request: selectors.designation_type_list())
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = AreaDesignation
        fields = ["designation_type", "year", "area"]


class AreaYearFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")

    class Meta:
        model = AreaYear
        fields = ["year", "area"]
