"""Panels other pages include without knowing this app: the dashboard's statistics and the inbox's overdue
complaints (`{% include "grievances/_dashboard.html" %}`, `{% include "grievances/_inbox.html" %}`), read for the
page's user and, on the dashboard, its `area` when it has one."""

from django import template

from fupin.grievances import selectors

register = template.Library()
INBOX_ROWS = 20


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
