"""One FilterSet per list, shared by the list's page and its API endpoint (NetBox's filtersets).

A key the list does not know is refused (400, naming the keys it accepts): a misspelt filter must never silently
answer the whole list. Keys that are the list's own rather than filters (paging, output format) are always known;
an API endpoint adds those it documents (ListFilterBackend), a page those it reads itself (`page_keys`)."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend

UNKNOWN_FILTERS = _("Unknown filters: %(names)s. This list accepts: %(known)s.")
LIST_KEYS = frozenset({"page", "limit", "offset", "format"})


class ListFilterSet(django_filters.FilterSet):
    """Subclass per list (`<app>/filtersets.py`); `page_keys`: other keys the list's page reads itself."""

    page_keys: frozenset[str] = frozenset()

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, known=()):
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.known = frozenset(known)

    def unknown_keys(self) -> list[str]:
        if not self.is_bound:
            return []
        accepted = set(self.filters) | LIST_KEYS | self.page_keys | self.known
        return sorted(key for key in self.data if key not in accepted)

    def is_valid(self) -> bool:
        valid = super().is_valid()
        unknown = self.unknown_keys()
        if unknown:
            accepted = sorted(set(self.filters) | self.page_keys)
            self.form.add_error(None, UNKNOWN_FILTERS % {"names": ", ".join(unknown), "known": ", ".join(accepted)})
            return False
        return valid

    def error_text(self) -> str:
        """The refusal as one line, for a page's message."""
        return " ".join(str(message) for messages in self.errors.values() for message in messages)


class ListFilterBackend(DjangoFilterBackend):
    """The API side: the view's documented parameters (paging, `list_query`, `extend_schema`) are known too."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None and isinstance(filterset, ListFilterSet) and hasattr(view, "known_query_parameters"):
            filterset.known = frozenset(view.known_query_parameters(request))
        return filterset


class ScopedChoiceFilter(django_filters.ModelChoiceFilter):
    """A filter naming a record by id among those `selector(actor=<the requesting user>)` reads: a record outside
    the user's areas answers as a missing one (400), confirming nothing about it."""

    def __init__(self, selector, **kwargs):
        super().__init__(queryset=lambda request: selector(actor=request.user), **kwargs)
