"""Pages of household assistance: a household's plans, delivered measures, cadres and visits (where a village cadre
records a measure or a visit), its plan for a year (一户一策), and the households cadres have not visited in time.
Reads go through the selectors, scoped to the user's areas; writes through the assistance service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from fupin.areas import selectors as area_selectors
from fupin.core import temporal
from fupin.core.errors import ServiceError
from fupin.core.pages import date_param, or_404, year_param
from fupin.registry import codelists as registry_codes
from fupin.registry import selectors as registry_selectors

from . import codelists as cl
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
    # Narrowed to a township or village below (`?within=`), paged by 100, each row with its head of household and
    # the cadres responsible on the day (two queries for the page, whatever its length).
    below = area_selectors.area_list(actor=request.user).filter(parent=area).order_by("code")
    within = area
    if request.GET.get("within", "").startswith(area.prefix) and request.GET["within"] != area.code:
        within = or_404(area_selectors.area_get, actor=request.user, code=request.GET["within"])
    households = selectors.households_not_visited(
        actor=request.user, area_code=within.code, on=on, months=int(months) if months.isdigit() else None)
    page = Paginator(households.select_related("area"), 100).get_page(request.GET.get("page"))
    ids = [household.pk for household in page.object_list]
    heads = {member.household_id: member.name for member in registry_selectors.member_list(actor=request.user)
             .filter(household_id__in=ids, relation=registry_codes.HEAD, is_active=True)}
    cadres: dict[int, list[str]] = {}
    for row in selectors.record_list(actor=request.user, model=Responsibility).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=on), household_id__in=ids,
            start_date__lte=on).select_related("cadre").order_by("household_id", "start_date"):
        cadres.setdefault(row.household_id, []).append(row.cadre.name)
    rows = [{"household": household, "head": heads.get(household.pk, ""), "cadres": cadres.get(household.pk, [])}
            for household in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "assistance/not_visited.html", {
        "area": area, "on": on, "rows": rows, "page": page, "query": query.urlencode(),
        "count": page.paginator.count, "below": below, "within": within})


PAGE_SIZE = 100


def _paged(request, rows):
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


@login_required
def category_support(request, code: str):
    """分层分类帮扶: the households of one category (脱贫户, or monitoring objects of a category) with the measures
    running for them on a day."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    on = date_param(request, "on", temporal.today())
    category = request.GET.get("category", "exited")
    if category not in cl.SUPPORT_CATEGORY.values:
        category = "exited"
    households = selectors.category_households(actor=request.user, area_code=area.code, category=category)
    page, query = _paged(request, households)
    running = selectors.continuing_by_household([household.pk for household in page.object_list], on)
    rows = [{"household": household, "measures": running.get(household.pk, [])} for household in page.object_list]
    return render(request, "assistance/category_support.html", {
        "area": area, "on": on, "category": category, "categories": cl.SUPPORT_CATEGORY.choices, "rows": rows,
        "page": page, "query": query, "count": page.paginator.count})


@login_required
def relocation_follow_up(request, code: str):
    """易地搬迁后续扶持: the area's settlements with their population (large ones marked under the year's
    threshold), and its relocated households with their employment and property certificates; `?show=` narrows
    the households to those without an employed member, without a certificate, or at risk and not monitored."""
    area = or_404(area_selectors.area_get, actor=request.user, code=code)
    on = date_param(request, "on", temporal.today())
    year = year_param(request) if request.GET.get("year") else on.year
    sites = selectors.settlements(actor=request.user, area_code=area.code, year=year)
    rows = selectors.relocated_households(actor=request.user, area_code=area.code, on=on)
    summary = selectors.relocation_summary(rows)
    show = request.GET.get("show", "")
    if show == "unemployed":
        rows = rows.filter(employed=False)
    elif show == "uncertified":
        rows = rows.filter(certificate_number__isnull=True)
    elif show == "at_risk":
        rows = selectors.relocated_at_risk_not_monitored(actor=request.user, area_code=area.code, on=on)
    else:
        show = ""
    page, query = _paged(request, rows)
    return render(request, "assistance/relocation_follow_up.html", {
        "area": area, "on": on, "year": year, "sites": sites, "large": [site for site in sites if site.large],
        "summary": summary, "show": show, "rows": page.object_list, "page": page, "query": query,
        "count": page.paginator.count})
