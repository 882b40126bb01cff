"""Pages of household assistance: a household's plans, delivered measures, cadres and visits (where a village cadre
records a measure or a visit), its plan for a year (一户一策), and the households cadres have not visited in time.
Reads go through the selectors, scoped to the user's areas; writes through the assistance service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.core import temporal
from fupin.core.errors import ServiceError
from fupin.core.pages import date_param, or_404
from fupin.registry import selectors as registry_selectors

from . import selectors, services
from .forms import MeasureForm, PlanForm, PlannedMeasures, VisitForm
from .models import DeliveredMeasure, HouseholdVisit, Plan, Responsibility

FORMS = {"measure": (MeasureForm, "delivered"), "visit": (VisitForm, "visit")}


@login_required
def household_assistance(request, pk: int):
    """A household's plans with their coverage of its causes, the measures it received, its cadres and visits;
    a village cadre records a delivered measure or a visit here (through the assistance service, which checks the
    right to change the household's village and writes the audit event)."""
    actor = request.user
    household = get_object_or_404(registry_selectors.household_list(actor=actor), pk=pk)
    forms_shown = {"measure": MeasureForm(household=household), "visit": VisitForm()}
    if request.method == "POST" and request.POST.get("form") in FORMS:
        name = request.POST["form"]
        form_class, kind = FORMS[name]
        form = form_class(request.POST, household=household) if name == "measure" else form_class(request.POST)
        if form.is_valid():
            data = {key: value for key, value in form.cleaned_data.items() if value not in (None, "")}
            try:
                services.record_save(actor=actor, kind=kind, data={**data, "household": household})
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("web:household-assistance", pk=household.pk)
        forms_shown[name] = form

    def records(model):
        return selectors.record_list(actor=actor, model=model).filter(household=household)

    plan_rows = list(records(Plan).prefetch_related("planned__measure_type"))
    coverages = selectors.plans_coverage(plan_rows)
    plans = [{"plan": plan, "coverage": coverages[plan.pk]} for plan in plan_rows]
    context = {
        "household": household, "plans": plans,
        "delivered": records(DeliveredMeasure).select_related(
            "measure_type", "member", "provider", "project").order_by("-delivered_on"),
        "duties": records(Responsibility).select_related("cadre"),
        "visits": records(HouseholdVisit).select_related("cadre")[:50],
        "forms": [{"name": "measure", "title": _("A delivered measure"), "form": forms_shown["measure"]},
                  {"name": "visit", "title": _("A visit"), "form": forms_shown["visit"]}],
    }
    return render(request, "assistance/household_assistance.html", context)


@login_required
def household_plan(request, pk: int):
    """Draw up or change a household's plan for a year: its causes and planned measures (the plan's planned
    measures are replaced by those given), through the assistance service."""
    actor = request.user
    household = get_object_or_404(registry_selectors.household_list(actor=actor), pk=pk)
    plans = selectors.record_list(actor=actor, model=Plan).filter(household=household).prefetch_related(
        "planned").order_by("year")
    requested = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else None
    plan = plans.filter(year=requested).first() if requested else plans.last()
    if request.method == "POST":
        form = PlanForm(request.POST)
        measures = PlannedMeasures(request.POST, prefix="planned", form_kwargs={"household": household})
        if form.is_valid() and measures.is_valid():
            planned = [{"measure_type": row["measure_type"], "member": row.get("member"),
                        "planned_amount": row.get("planned_amount") or 0, "note": row.get("note", "")}
                       for row in measures.cleaned_data if row.get("measure_type")]
            try:
                services.plan_save(actor=actor, household=household, planned=planned, **form.cleaned_data)
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Saved."))
                return redirect("web:household-assistance", pk=household.pk)
    else:
        initial = {"year": plan.year, "causes": plan.causes, "outcome": plan.outcome, "note": plan.note} \
            if plan else {"year": requested, "outcome": "in_progress"}
        form = PlanForm(initial=initial)
        measures = PlannedMeasures(prefix="planned", form_kwargs={"household": household}, initial=[
            {"measure_type": item.measure_type_id, "member": item.member_id, "planned_amount": item.planned_amount,
             "note": item.note} for item in plan.planned.all()] if plan else [])
    return render(request, "assistance/household_plan.html", {"household": household, "plans": plans, "plan": plan,
                                                               "form": form, "measures": measures})


@login_required
def not_visited(request, code: str):
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    on = date_param(request, "on", temporal.today())
    months = request.GET.get("months", "")
    households = selectors.households_not_visited(
        actor=request.user, area_code=area.code, on=on, months=int(months) if months.isdigit() else None)
    return render(request, "assistance/not_visited.html", {"area": area, "on": on, "households": households[:500],
                                                            "count": households.count()})
