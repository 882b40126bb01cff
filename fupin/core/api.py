"""The shape of every resource's API: reads through the app's selectors, writes through its services."""

from django.http import Http404
from rest_framework import mixins, viewsets

from fupin.core.errors import NotFound


class ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Subclasses provide `select(actor)` (a scoped queryset) and, for writes, `perform_*` calling services."""

    def get_queryset(self):
        return self.select(self.request.user)

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            raise NotFound() from None


class WritableServiceViewSet(ServiceViewSet, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                             mixins.DestroyModelMixin):
    """Serializers validate shape; `save()` is routed to the service, which checks permission and audits."""


def validated(serializer_class, data) -> dict:
    """The request data checked against a write serializer (400 with the field errors otherwise)."""
    payload = serializer_class(data=data)
    payload.is_valid(raise_exception=True)
    return payload.validated_data
