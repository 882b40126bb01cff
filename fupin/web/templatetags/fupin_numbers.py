"""Numbers in templates the way officials write them (万, 亿 in Chinese; separators in English)."""

from django import template

from fupin.core.numbers import large_number, percent

register = template.Library()


@register.filter
def wan(value) -> str:
    return large_number(value)


@register.filter
def pct(value) -> str:
    return percent(value)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (keys such as "poor.persons" contain dots)."""
    return mapping.get(key) if mapping else None


# Within one table every number of a column is written in the same unit (the reports never show "280168.42 万"
# beside "105.06 亿"): the column's unit is chosen from its largest value, then each cell is written in it.
UNITS = {"亿": 100_000_000, "万": 10_000, "": 1}


@register.simple_tag
def column_unit(values, *keys) -> str:
    """"亿", "万" or "" for a column of numbers (in Chinese; English writes full numbers with separators); with
    `keys`, the values are those keys of each row (`{% column_unit trend "poor" "exits" as unit %}`)."""
    from decimal import Decimal

    from django.utils.translation import get_language

    if not (get_language() or "zh-hans").startswith("zh"):
        return ""
    if keys:
        values = [row.get(key) for row in values for key in keys]
    largest = max((abs(Decimal(str(value))) for value in values if value not in (None, "")), default=Decimal(0))
    return "亿" if largest >= UNITS["亿"] else "万" if largest >= UNITS["万"] else ""


@register.filter
def in_unit(value, unit: str) -> str:
    """A number written in the column's unit with two decimals at most (12,345,678 in 万 → "1,234.57")."""
    from decimal import ROUND_HALF_UP, Decimal

    if value in (None, ""):
        return ""
    number = Decimal(str(value)) / UNITS.get(unit or "", 1)
    number = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


@register.filter
def points(difference) -> str:
    """A difference of two rates (fractions) in percentage points, as bulletins write it: 0.037 → "3.70 个百分点"
    ("3.70 percentage points"); a rate itself is a percentage (`pct`), its change is not."""
    from decimal import ROUND_HALF_UP, Decimal

    from django.utils.translation import gettext

    if difference in (None, ""):
        return ""
    value = (Decimal(str(difference)) * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return gettext("%(value)s percentage points") % {"value": value}


@register.filter
def record_type(value) -> str:
    """"funds.fundentry" → "Fund entries" in the user's language (fupin.core.labels)."""
    from fupin.core.labels import record_type_label

    return record_type_label(value)
