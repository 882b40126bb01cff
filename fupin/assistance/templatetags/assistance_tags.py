"""Assistance pieces other pages show: `{% continuing_measures household %}` lists the measures still running for
a household (support with its own end), so the household file needs no view change to show them."""

from django import template

from fupin.core import temporal
from fupin.registry.codelists import CAUSE

from .. import selectors

register = template.Library()


@register.inclusion_tag("assistance/_continuing.html")
def continuing_measures(household, on=None):
    on = on or temporal.today()
    return {"household": household, "on": on, "continuing": selectors.continuing_measures(household, on)}


@register.filter
def cause_labels(codes) -> list[str]:
    """Causes of poverty by their labels in the user's language ("01" → 因病 / 因病 / illness), never their codes."""
    return [CAUSE.label(code) if code in CAUSE.values else code for code in codes or ()]
