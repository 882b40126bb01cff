"""The shape of every resource's API: reads through the app's selectors, writes through its services."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import mixins, serializers, viewsets

from fupin.core.errors import NotFound, ValidationFailed

UNKNOWN_PARAMETERS = _("Unknown query parameters: %(names)s. This list accepts: %(known)s.")


def _documented_parameters(view, request) -> set[str]:
    """Query parameters the action documents with drf-spectacular's `extend_schema(parameters=[...])`."""
    method = getattr(view, view.action, None)
    schema_class = getattr(method, "kwargs", {}).get("schema")
    if schema_class is None:
        return set()
    schema = schema_class() if isinstance(schema_class, type) else schema_class
    schema.view, schema.method = view, request.method
    names = set()
    for parameter in schema.get_override_parameters():
        if isinstance(parameter, type) and issubclass(parameter, serializers.Serializer):
            names |= set(parameter().fields)
        elif getattr(parameter, "location", "query") == "query" and getattr(parameter, "name", None):
            names.add(parameter.name)
    return names


def _filterset_parameters(view) -> set[str]:
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is not None:
        return set(filterset_class.base_filters)
    fields = getattr(view, "filterset_fields", None) or ()
    if isinstance(fields, dict):
        return {name if lookup == "exact" else f"{name}__{lookup}" for name, lookups in fields.items()
                for lookup in lookups}
    return set(fields)


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Subclasses provide `select(actor)` (a scoped queryset) and, for writes, `perform_*` calling services.

    A list refuses query parameters it does not know (400 naming them: a misspelt filter must not silently return
    everything). It knows pagination's, its filterset's, those its `list` documents with `extend_schema` and the
    fields of `list_query`, a serializer whose validated values `select` reads from `self.list_params` (typed:
    `?year=abc` is a 400, never a server error). Other actions ignore list filters (`self.list_params` is empty)."""

    list_query: type[serializers.Serializer] | None = None
    list_params: dict = {}  # replaced per request, never mutated

    def known_query_parameters(self, request) -> set[str]:
        names = {"format", *_filterset_parameters(self), *_documented_parameters(self, request)}
        if self.paginator is not None:
            names |= {self.paginator.limit_query_param, self.paginator.offset_query_param}
        if self.list_query is not None:
            names |= set(self.list_query().fields)
        return names

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.list_params = {}
        if self.action != "list":
            return
        known = self.known_query_parameters(request)
        unknown = sorted(set(request.query_params) - known)
        if unknown:
            raise ValidationFailed(UNKNOWN_PARAMETERS, field=unknown[0], names=", ".join(unknown),
                                   known=", ".join(sorted(known)))
        if self.list_query is not None:
            query = self.list_query(data=request.query_params)
            query.is_valid(raise_exception=True)
            self.list_params = {name: value for name, value in query.validated_data.items() if value is not None}

    def get_queryset(self):
        return self.select(self.request.user)

    def filter_queryset(self, queryset):
        # The filterset filters the list; a record's own URL and its actions answer whatever else the query holds.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound() from None


class WritableServiceViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                             mixins.DestroyModelMixin):
    """Serializers validate shape; `save()` is routed to the service, which checks permission and audits."""


def validated(serializer_class, data, *, context: dict | None = None, partial: bool = False) -> dict:
    """The request data checked against a write serializer (400 with the field errors otherwise). Serializers
    with scoped foreign keys need the view's context (its request) to name anything."""
    payload = serializer_class(data=data, context=context or {}, partial=partial)
    payload.is_valid(raise_exception=True)
    return payload.validated_data
