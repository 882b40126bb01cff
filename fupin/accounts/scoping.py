"""The one enforcement point for area-scoped access (NetBox's `restrict`).

Every model that lives in an area has a ScopedQuerySet manager; selectors read `Model.objects.scoped(actor,
action)` and services ask `require`/`can`. Which areas a grant covers (code prefixes) stays private to this module:
other code asks `reach(actor, action)` whether it covers a code or everywhere.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from fupin.core import areacodes as codes
from fupin.core.errors import PermissionDenied

from .models import AreaGrant


@dataclass(frozen=True)
class Reach:
    """Where an actor may do one action: everywhere, or the subtrees under some code prefixes (none: nowhere)."""

    everywhere: bool
    _prefixes: tuple[str, ...] = ()

    @property
    def nowhere(self) -> bool:
        return not self.everywhere and not self._prefixes

    def covers(self, area_code: str) -> bool:
        return self.everywhere or any(area_code.startswith(prefix) for prefix in self._prefixes)

    def covers_at_level(self, area_code: str, level: int) -> bool:
        """Through a grant held at `level` or above (a township reviewer cannot decide a county's step)."""
        longest = codes.PREFIX_LENGTH[level]
        return self.everywhere or any(len(prefix) <= longest and area_code.startswith(prefix)
                                      for prefix in self._prefixes)

    def code_prefixes(self) -> tuple[str, ...] | None:
        """The granted code prefixes (None: everywhere), for stores the ORM does not reach (the statistics'
        Parquet facts); ORM reads use ScopedQuerySet."""
        return None if self.everywhere else self._prefixes

    def roots(self) -> list[str]:
        """The 12-digit codes of the areas granted (empty when everywhere: the caller starts at the provinces)."""
        return [prefix.ljust(codes.CODE_LENGTH, "0") for prefix in self._prefixes]

    def condition(self, area_path: str) -> Q | None:
        """A filter on the area code at `area_path`; None means no restriction. Ranges on the 12-digit code use the
        index on both SQLite and PostgreSQL, unlike LIKE 'prefix%' (SQLite cannot index it with Django's ESCAPE)."""
        if self.everywhere:
            return None
        condition = Q(pk__in=[])
        for prefix in self._prefixes:
            low, high = codes.code_range(prefix)
            condition |= Q(**{f"{area_path}__gte": low, f"{area_path}__lte": high})
        return condition


NOWHERE = Reach(everywhere=False)


# Within `grants_read_once()`, each actor's grants are read once (a batch of writes, such as the field app's sync of
# hundreds of entries, asks the same question for every entry and service); outside it, every call reads them.
_grants_read: ContextVar[dict | None] = ContextVar("fupin_grants_read", default=None)


@contextmanager
def grants_read_once():
    token = _grants_read.set({})
    try:
        yield
    finally:
        _grants_read.reset(token)


def _grants(actor) -> list[AreaGrant]:
    read = _grants_read.get()
    if read is not None and actor.pk in read:
        return read[actor.pk]
    grants = list(AreaGrant.objects.filter(Q(user=actor) | Q(role__users=actor)).select_related("area")
                  .only("actions", "area__code", "area__level"))
    if read is not None:
        read[actor.pk] = grants
    return grants


def reach(actor, action: str) -> Reach:
    """Where `actor` may do `action` (one query; none again inside `grants_read_once()`)."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return NOWHERE
    grants = _grants(actor)
    prefixes: set[str] = set()
    for grant in grants:
        if action not in grant.actions:
            continue
        if grant.area_id is None:
            return Reach(everywhere=True)
        prefixes.add(grant.area.prefix)
    # A prefix inside another granted prefix adds nothing; dropping it keeps the filter short.
    return Reach(everywhere=False, _prefixes=tuple(sorted(
        p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))))


class ScopedQuerySet(models.QuerySet):
    """`.scoped(actor, action)`: the rows whose area lies where `actor` may do `action`.

    A model names where its area is with `area_paths` (default `("area",)`; several paths mean any of them, as a
    pairing is seen from its helper's area and from the helped one's); a model whose visibility is more than an
    area path overrides `scoped` in its own QuerySet subclass."""

    def scoped(self, actor, action: str):
        return self.filter(self.reach_condition(reach(actor, action)))

    def reach_condition(self, granted: Reach) -> Q:
        paths = getattr(self.model, "area_paths", ("area",))
        conditions = [granted.condition(path) for path in paths]
        if any(condition is None for condition in conditions):
            return Q()
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined


def can(actor, action: str, area_code: str) -> bool:
    return reach(actor, action).covers(area_code)


def require(actor, action: str, area_code: str) -> None:
    """Raise PermissionDenied unless `actor` may do `action` in the area; services call this first."""
    if not can(actor, action, area_code):
        raise PermissionDenied()


def can_at_level(actor, action: str, area_code: str, level: int) -> bool:
    """Whether `actor` may do `action` in the area through a grant held at `level` or above."""
    return reach(actor, action).covers_at_level(area_code, level)


def can_anywhere(actor, action: str) -> bool:
    return not reach(actor, action).nowhere


def everywhere(actor, action: str) -> bool:
    """Whether `actor` holds a nationwide grant for `action`."""
    return reach(actor, action).everywhere
