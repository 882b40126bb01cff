"""The one enforcement point for area-scoped access: every selector and service asks here."""

from django.db.models import Q, QuerySet

from fupin.areas import codes
from fupin.core.errors import PermissionDenied

from .models import AreaGrant

EVERYWHERE = None  # returned by granted_prefixes for a nationwide grant


def granted_prefixes(actor, action: str) -> list[str] | None:
    """Code prefixes of the subtrees where `actor` may do `action`; None means everywhere, [] nowhere."""
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return []
    grants = (
        AreaGrant.objects.filter(Q(user=actor) | Q(role__users=actor))
        .select_related("area")
        .only("actions", "area__code", "area__level")
    )
    prefixes: set[str] = set()
    for grant in grants:
        if action not in grant.actions:
            continue
        if grant.area_id is None:
            return EVERYWHERE
        prefixes.add(grant.area.prefix)
    # A prefix inside another granted prefix adds nothing; dropping it keeps the filter short.
    return sorted(p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes))


def area_q(actor, action: str, area_field: str) -> Q | None:
    """A filter on the area code stored in `area_field` (the Area pk or a foreign key to Area).

    None means no restriction. Ranges on the 12-digit code use the index on both SQLite and PostgreSQL,
    unlike LIKE 'prefix%' which SQLite cannot index when Django adds an ESCAPE clause.
    """
    prefixes = granted_prefixes(actor, action)
    if prefixes is EVERYWHERE:
        return None
    condition = Q(pk__in=[])
    for prefix in prefixes:
        low, high = codes.code_range(prefix)
        condition |= Q(**{f"{area_field}__gte": low, f"{area_field}__lte": high})
    return condition


def scoped_to(queryset: QuerySet, *, actor, action: str, area_field: str = "area") -> QuerySet:
    """The rows of `queryset` whose area lies in a subtree where `actor` may do `action`."""
    condition = area_q(actor, action, area_field)
    return queryset if condition is None else queryset.filter(condition)


def can(actor, action: str, area_code: str) -> bool:
    prefixes = granted_prefixes(actor, action)
    if prefixes is EVERYWHERE:
        return True
    return any(area_code.startswith(prefix) for prefix in prefixes)


def require(actor, action: str, area_code: str) -> None:
    """Raise PermissionDenied unless `actor` may do `action` in the area; services call this first."""
    if not can(actor, action, area_code):
        raise PermissionDenied()


def can_at_level(actor, action: str, area_code: str, level: int) -> bool:
    """Whether `actor` may do `action` in the area through a grant held at `level` or above (a township reviewer
    cannot decide a county's step, even inside their township)."""
    prefixes = granted_prefixes(actor, action)
    if prefixes is EVERYWHERE:
        return True
    longest = codes.PREFIX_LENGTH[level]
    return any(len(prefix) <= longest and area_code.startswith(prefix) for prefix in prefixes)


def can_anywhere(actor, action: str) -> bool:
    prefixes = granted_prefixes(actor, action)
    return prefixes is EVERYWHERE or bool(prefixes)
