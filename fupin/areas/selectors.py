"""Reads of areas, always scoped to what the actor may see."""

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from fupin.accounts.choices import Action
from fupin.accounts.scoping import reach
from fupin.core import areacodes as codes
from fupin.core.errors import NotFound

from .models import Area, AreaDesignation, AreaYear, DesignationType, DivisionVintage


def area_list(*, actor, action: str = Action.VIEW) -> QuerySet[Area]:
    return Area.objects.all().scoped(actor, action)


def area_get(*, actor, code: str, action: str = Action.VIEW) -> Area:
    try:
        return area_list(actor=actor, action=action).get(code=code)
    except Area.DoesNotExist:
        raise NotFound() from None


def division_list() -> QuerySet[Area]:
    """Every area, unscoped: the public NBS divisions a record may be placed in by code (the service answers 403
    where the actor may not write)."""
    return Area.objects.all()


def place_name(*, actor, area: Area) -> str:
    """The area with the township, county … above it, as a form writes a place, as far as the actor may see them:
    a user granted only a village reads the village's name alone."""
    chain = [*area.ancestor_codes, area.code]
    names = dict(area_list(actor=actor).filter(code__in=chain).values_list("code", "name"))
    return " ".join(names[code] for code in chain if code in names)


def subtree(queryset: QuerySet, area: Area, *, area_field: str = "area") -> QuerySet:
    """Rows of `queryset` in `area` or below it: one range on the indexed code."""
    low, high = area.subtree_bounds
    return queryset.filter(**{f"{area_field}__gte": low, f"{area_field}__lte": high})


def subtree_count(area: Area, *, level: int | None = None) -> int:
    queryset = subtree(Area.objects.all(), area, area_field="code")
    if level is not None:
        queryset = queryset.filter(level=level)
    return queryset.count()


def root_areas(*, actor, action: str = Action.VIEW) -> list[Area]:
    """Where a user's tree starts: the provinces for those who may do `action` nationwide, else the areas granted
    to them."""
    granted = reach(actor, action)
    if granted.everywhere:
        return list(province_list().order_by("code"))
    return list(Area.objects.filter(code__in=granted.roots()).order_by("code"))


def province_list() -> QuerySet[Area]:
    """Every loaded province: the country's outline is reference data, whatever one's grant."""
    return Area.objects.filter(level=codes.Level.PROVINCE)


def area_choices() -> QuerySet[Area]:
    """Every area, for a field where a user names one by its code (the divisions are public): whether the user may
    write there is the service's answer."""
    return Area.objects.all()


def designation_type_list() -> QuerySet[DesignationType]:
    return DesignationType.objects.all()


def latest_vintage() -> DivisionVintage | None:
    """The division table loaded last."""
    return DivisionVintage.objects.order_by("-loaded_at").first()


def children_with_counts(*, actor, area: Area | None) -> list[dict]:
    """The visible children of `area` (the user's root areas when None), each with its number of villages.

    One grouped query over the (level, code) index counts villages per child, by the child's code prefix.
    """
    if area is None:
        children = root_areas(actor=actor)
        return [{"area": root, "villages": subtree_count(root, level=codes.Level.VILLAGE)} for root in children]
    children = list(area_list(actor=actor).filter(parent=area).order_by("code"))
    if not children:
        return []
    length = codes.PREFIX_LENGTH[children[0].level]
    villages = subtree(Area.objects.filter(level=codes.Level.VILLAGE), area, area_field="code")
    grouped = (
        villages.annotate(prefix=Substr("code", 1, length)).values("prefix").annotate(n=Count("code"))
        .values_list("prefix", "n")
    )
    counts = dict(grouped)
    return [{"area": child, "villages": counts.get(child.prefix, 0)} for child in children]


def designation_list(*, actor, action: str = Action.VIEW) -> QuerySet[AreaDesignation]:
    queryset = AreaDesignation.objects.select_related("area", "designation_type")
    return queryset.scoped(actor, action)


def area_year_list(*, actor, action: str = Action.VIEW) -> QuerySet[AreaYear]:
    return AreaYear.objects.select_related("area").scoped(actor, action)


def area_by_code(code: str) -> Area:
    """The area a user names by a code of 2, 4, 6, 9 or 12 digits; NotFound if there is none."""
    try:
        padded = codes.normalise_code(code)
    except ValueError:
        raise NotFound() from None
    area = Area.objects.filter(code=padded).first()
    if area is None:
        raise NotFound()
    return area


def within_area(field: str, area: Area) -> Q:
    """A filter on an area code stored in `field`: the area and everything below it (a range on the 12-digit
    code, which the index serves on SQLite and PostgreSQL alike)."""
    low, high = codes.code_range(area.prefix)
    return Q(**{f"{field}__gte": low, f"{field}__lte": high})


def designations_in_force(types, year: int) -> QuerySet[AreaDesignation]:
    """Designations of the given types in force in `year`: designated by then and not exited before it (an area
    that exits in the year still counts for that year)."""
    return AreaDesignation.objects.filter(designation_type_id__in=list(types), year__lte=year).filter(
        Q(exit_year__isnull=True) | Q(exit_year__gte=year))
