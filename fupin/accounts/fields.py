"""Serializer fields for foreign keys a user submits: only rows inside the user's areas can be named.

A row outside them answers exactly as a missing one (DRF's "does not exist" 400), so a write can neither attach
another area's record nor learn that it exists. The scope follows the request: `view` for safe methods, `change`
for writes, unless the field says which action it needs (a reference to a record one may see but not edit, such as
a cadre kept by a higher office). Without a request in the serializer's context nothing can be named (fail closed).
Areas themselves (the public NBS divisions) are named freely where a record is placed: the service answers 403
where the user may not write.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS

from .choices import Action
from .scoping import reach


class ScopedRelatedMixin:
    """`model`: a model that lives in an area (its manager a ScopedQuerySet): only its `.scoped(user, action)` rows
    can be named. `selector`: instead, the app's own read selector
    `selector(actor=...)`. `action`: fixed action (else view/change by method). `open_to`: a condition for rows
    anyone may name (public bodies, such as organisations)."""

    def __init__(self, *, model=None, selector: Callable[..., QuerySet] | None = None, action: str | None = None,
                 open_to: Q | None = None, **kwargs):
        if model is not None:
            kwargs["queryset"] = model._default_manager.all()
        self.selector, self.scope_action, self.open_to = selector, action, open_to
        super().__init__(**kwargs)

    def _action(self, request) -> str:
        if self.scope_action:
            return self.scope_action
        return Action.VIEW if request.method in SAFE_METHODS else Action.CHANGE

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if request is None or user is None:
            return queryset.none()
        if self.selector is not None:
            condition = Q(pk__in=self.selector(actor=user).values("pk"))
        else:
            condition = queryset.reach_condition(reach(user, self._action(request)))
        if self.open_to is not None:
            condition |= self.open_to
        return queryset.filter(condition)


class ScopedPrimaryKeyRelatedField(ScopedRelatedMixin, serializers.PrimaryKeyRelatedField):
    """A foreign key by id, limited to the user's areas."""


class ScopedSlugRelatedField(ScopedRelatedMixin, serializers.SlugRelatedField):
    """A foreign key by a natural key (an area's code, a household's number), limited to the user's areas."""
