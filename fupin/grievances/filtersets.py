"""The complaints list's filters, shared by its page and `/api/grievances/`: area (a code of 2–12 digits selects its
subtree), category (code), channel, status and overdue (not answered and past the deadline today)."""

import django_filters
from django.utils.translation import gettext_lazy as _

from fupin.areas.filtersets import WithinAreaFilter
from fupin.core import temporal
from fupin.core.filtersets import ListFilterSet

from . import selectors
from .models import OPEN_STATUSES, Channel, Status, Ticket


class TicketFilterSet(ListFilterSet):
    area = WithinAreaFilter(field_name="area")
    category = django_filters.ModelChoiceFilter(
        field_name="category", to_field_name="code", label=_("category"),
        queryset=lambda request: selectors.category_list(active_only=False))
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("channel"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("status"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("overdue"))

    class Meta:
        model = Ticket
        fields = ["area", "category", "channel", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = {"status__in": OPEN_STATUSES, "deadline__lt": temporal.today()}
        return queryset.filter(**late) if value else queryset.exclude(**late)
