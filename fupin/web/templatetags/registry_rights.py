"""Whether the user may change the register in an area, for the pages that offer the data-entry links: the same
area grants the registry's services check (a link shown to someone the service would refuse is a dead end)."""

from django import template

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can
from fupin.core.areacodes import Level

register = template.Library()


@register.simple_tag(takes_context=True)
def may_change(context, area_code: str) -> bool:
    return can(context["request"].user, Action.CHANGE, area_code)


@register.simple_tag(takes_context=True)
def may_register_households(context, area) -> bool:
    """Households are registered in villages only."""
    return area is not None and area.level == Level.VILLAGE and can(context["request"].user, Action.CHANGE,
                                                                      area.code)
