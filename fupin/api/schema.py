"""The OpenAPI schema's view of fupin's resources.

- A list's `list_query` serializer documents its query parameters (fupin.core.api.ServiceViewSet).
- A read-only choice field of a model field that may be blank says so: DRF drops `allow_blank` from read-only
  fields, so the schema promised one of the choices where the API answers "" (found by schemathesis).
"""

import copy

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


def _model_field(field):
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def _model_field_is_blank(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return bool(model._meta.get_field(field.source).blank)
    except FieldDoesNotExist:
        return False


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        query = getattr(self.view, "list_query", None)
        if query is not None and getattr(self.view, "action", None) == "list":
            return [*parameters, query]
        return parameters

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if (isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank
                and _model_field_is_blank(field)):
            field = copy.copy(field)
            field.allow_blank = True
        # A read-only value that is not a non-null column of the model (a property, a path through a nullable
        # link, a computed deadline) may be null; the schema says so rather than promise a value.
        if field.read_only and not field.allow_null and not isinstance(
                field, (serializers.Serializer, serializers.ListSerializer, serializers.SerializerMethodField)):
            column = _model_field(field)
            if column is None or column.null:
                field = copy.copy(field)
                field.allow_null = True
        return super()._map_serializer_field(field, direction, bypass_extensions)
