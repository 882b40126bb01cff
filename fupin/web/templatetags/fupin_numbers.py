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
