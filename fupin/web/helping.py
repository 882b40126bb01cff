"""Pages of the helping side: an area's cards (assistance, funds, projects, people) with every figure and how it
was produced, the households cadres have not visited in time, project delays, work-team rotation gaps, a fund
document's trace and a household's plan. Reads go through each app's selectors, scoped to the user's areas."""

import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from fupin.analytics.metrics import get_metric
from fupin.analytics.report import CARD_FIGURES
from fupin.areas import selectors as area_selectors
from fupin.assistance import selectors as assistance_selectors
from fupin.assistance.models import DeliveredMeasure, HouseholdVisit, Plan, Responsibility
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.core.numbers import large_number, percent
from fupin.funds import selectors as fund_selectors
from fupin.personnel import selectors as personnel_selectors
from fupin.projects import selectors as project_selectors
from fupin.registry.models import Household

CARD_TITLES = {"assistance": _("Household assistance"), "funds": _("Funds"), "projects": _("Projects"),
               "personnel": _("Work teams and cadres")}


def _area(request, code: str):
    try:
        return area_selectors.area_get(actor=request.user, code=code)
    except (NotFound, PermissionDenied):
        raise Http404 from None


def _day(request, name: str, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return default


def _year(request) -> int:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() else datetime.date.today().year - 1


def _display(value, unit: str) -> str:
    if unit == "%":
        return percent(value)
    return f"{large_number(value)} {unit}".strip() if value is not None else ""


@login_required
def helping(request, code: str):
    """The area's four cards for a year: every figure with its label, value and the records that produced it."""
    area, year = _area(request, code), _year(request)
    cards = []
    for name, wanted in CARD_FIGURES.items():
        rows = []
        for item in get_metric(name).figures(actor=request.user, area_code=area.code, year=year):
            if item["key"] in wanted:
                label, unit = wanted[item["key"]]
                rows.append({"key": item["key"], "label": label, "display": _display(item["value"], str(unit)),
                             "source": item["how"]["source"]})
        cards.append({"name": name, "title": CARD_TITLES[name], "rows": rows})
    return render(request, "web/helping.html", {"area": area, "year": year, "cards": cards})


@login_required
def not_visited(request, code: str):
    area, on = _area(request, code), _day(request, "on", datetime.date.today())
    months = request.GET.get("months", "")
    households = assistance_selectors.households_not_visited(
        actor=request.user, area_code=area.code, on=on, months=int(months) if months.isdigit() else None)
    return render(request, "web/not_visited.html", {"area": area, "on": on, "households": households[:500],
                                                     "count": households.count()})


@login_required
def project_delays(request, code: str):
    area, on = _area(request, code), _day(request, "on", datetime.date.today())
    rows = project_selectors.project_delays(actor=request.user, area_code=area.code, on=on)
    return render(request, "web/project_delays.html", {"area": area, "on": on, "rows": rows})


@login_required
def rotation_gaps(request, code: str):
    area = _area(request, code)
    end = _day(request, "end", datetime.date.today())
    start = _day(request, "start", end.replace(year=end.year - 1))
    error, rows = None, []
    try:
        rows = personnel_selectors.rotation_gaps(actor=request.user, area_code=area.code, start=start, end=end)
    except ValidationFailed as refused:
        error = refused
    rows = [row for row in rows if row["team_gaps"] or row["first_secretary_gaps"]]
    return render(request, "web/rotation_gaps.html", {"area": area, "start": start, "end": end, "rows": rows,
                                                       "error": error})


@login_required
def fund_trace(request, pk: int):
    document = fund_selectors.document_list(actor=request.user).filter(pk=pk).first()
    if document is None:
        raise Http404
    return render(request, "web/fund_trace.html", {"trace": fund_selectors.trace(actor=request.user,
                                                                                  document=document)})


@login_required
def household_assistance(request, pk: int):
    """A household's plans with their coverage of its causes, the measures it received, its cadres and visits."""
    household = assistance_selectors.record_list(actor=request.user, model=Household, area_field="area").filter(
        pk=pk).first()
    if household is None:
        raise Http404
    plans = [{"plan": plan, "coverage": assistance_selectors.plan_coverage(plan)}
             for plan in Plan.objects.filter(household=household).prefetch_related("planned__measure_type")]
    context = {
        "household": household, "plans": plans,
        "delivered": DeliveredMeasure.objects.filter(household=household).select_related(
            "measure_type", "member", "provider", "project").order_by("-delivered_on"),
        "duties": Responsibility.objects.filter(household=household).select_related("cadre"),
        "visits": HouseholdVisit.objects.filter(household=household).select_related("cadre")[:50],
    }
    return render(request, "web/household_assistance.html", context)
