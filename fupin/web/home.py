"""The home page per role: the headline figures of the user's area (from the statistics rollups the dashboard
reads, with their freshness), what is due there (the inbox, notices whose objection period is ending, households
not visited in time, late projects, open quality findings) and the user's recent jobs, each one click from its list.

Every count is one or two queries whatever the number of rows, so the page's query count does not grow with the
area. Counts that are expensive for a whole province (project delays judge each project on its stages) are shown
for a county and below; above it the page links to the lists instead of counting."""

import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from fupin.accounts.choices import Action
from fupin.accounts.scoping import everywhere
from fupin.analytics import selectors as analytics_selectors
from fupin.areas import selectors as area_selectors
from fupin.assistance import selectors as assistance_selectors
from fupin.core import temporal
from fupin.core.areacodes import Level
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.jobs.selectors import job_list
from fupin.projects import selectors as project_selectors
from fupin.quality import selectors as quality_selectors
from fupin.workflows import selectors as workflow_selectors

NOTICE_ENDING_DAYS = 7  # a notice whose objection period ends within a week is due: it must be followed up
LATE_COUNTED_DOWN_TO = Level.COUNTY  # project delays are counted for a county and below (each project judged)


def home_area(actor):
    """The area the home page speaks for: the user's one granted area, else None (nationwide, or several areas:
    the page then lists them and counts what is due across all of them where it can)."""
    if everywhere(actor, Action.VIEW):
        return None
    roots = area_selectors.root_areas(actor=actor)
    return roots[0] if len(roots) == 1 else None


def headline(actor, area) -> dict | None:
    """The area's (or the user's whole reach's) figures of the latest year the rollups hold, with their freshness;
    None when there are no statistics yet."""
    try:
        data = analytics_selectors.dashboard(actor=actor, area_code=area.code if area else None)
    except (NotFound, PermissionDenied, ValidationFailed):
        return None
    if not data.get("years"):
        return None
    figures = data["headline"]
    return {"year": data["year"], "poor": figures.get("poor.persons"), "households": figures.get("poor.households"),
            "incidence": figures.get("incidence"), "exits": figures.get("exits.persons"),
            "monitored": figures.get("monitored.persons"), "as_of": data.get("as_of"),
            "refreshing": data.get("refreshing"), "frozen": data.get("frozen")}


def due_work(actor, area, on: datetime.date) -> list[dict]:
    """What is waiting: each item a label, a count (None when not counted here) and the list it opens."""
    items = [{"key": "inbox", "count": len(workflow_selectors.inbox(actor=actor)), "url": reverse("web:inbox")}]
    notices = workflow_selectors.notice_list(actor=actor).filter(
        ends_on__gte=on, ends_on__lte=on + datetime.timedelta(days=NOTICE_ENDING_DAYS))
    items.append({"key": "notices", "count": notices.count(), "url": reverse("web:inbox")})
    if area is None:
        return items
    not_visited = assistance_selectors.households_not_visited(actor=actor, area_code=area.code, on=on)
    items.append({"key": "not_visited", "count": not_visited.count(),
                  "url": reverse("web:not-visited", args=[area.code])})
    late = None
    if area.level >= LATE_COUNTED_DOWN_TO:
        try:
            late = sum(1 for row in project_selectors.project_delays(actor=actor, area_code=area.code, on=on)
                       if row["colour"] in ("yellow", "red"))
        except ValidationFailed:  # the province's red-days parameter is not set: the list page says so
            late = None
    items.append({"key": "late_projects", "count": late, "url": reverse("web:project-delays", args=[area.code])})
    findings = quality_selectors.finding_list(actor=actor, area_code=area.code)
    items.append({"key": "findings", "count": findings.count(), "url": reverse("web:quality", args=[area.code])})
    return items


@login_required
def home(request):
    actor = request.user
    area = home_area(actor)
    on = temporal.today()
    context = {
        "area": area,
        "granted_areas": area_selectors.children_with_counts(actor=actor, area=None),
        "nationwide": everywhere(actor, Action.VIEW),
        "vintage": area_selectors.latest_vintage(),
        "headline": headline(actor, area),
        "due": due_work(actor, area, on),
        "on": on,
        "jobs": job_list(actor=actor)[:5],
    }
    return render(request, "web/home.html", context)
