"""Panels other pages include without knowing this app: the dashboard's statistics and the inbox's overdue
complaints (`{% include "grievances/_dashboard.html" %}`, `{% include "grievances/_inbox.html" %}`), read for the
page's user and, on the dashboard, its `area` when it has one. They render for users holding a complaints role
(`grievance_role`) and are empty for everyone else, so the home page, the dashboard and the inbox include them
for all."""

from django import template

from fupin.grievances import selectors

register = template.Library()
INBOX_ROWS = 20


@register.simple_tag(takes_context=True)
def grievance_role(context) -> bool:
    """Whether the page's user holds a complaints role (the panels are shown to them alone); asked once a request."""
    request = context.get("request")
    if request is None:
        return False
    if not hasattr(request, "_grievance_role"):
        request._grievance_role = selectors.handles_grievances(getattr(request, "user", None))
    return request._grievance_role


@register.inclusion_tag("grievances/_statistics.html", takes_context=True)
def grievance_statistics(context):
    request = context.get("request")
    area = context.get("area")
    area = area if getattr(area, "code", None) else None
    return {"stats": selectors.statistics(actor=getattr(request, "user", None), area=area)}


@register.inclusion_tag("grievances/_overdue.html", takes_context=True)
def grievance_overdue(context):
    request = context.get("request")
    overdue = selectors.overdue_for(getattr(request, "user", None))
    return {"tickets": list(overdue[:INBOX_ROWS]), "count": overdue.count()}
