"""The household file (户档案): the household, its members, its yearly records and the 脱贫轨迹 with the evidence of
each transition, its plans and measures, cadres and visits, the projects and funds that reached it and the documents
of its procedures; and the two documents the household holds, printed from the same records: the 扶贫手册 (PDF) and
the one-page 明白卡 (this year's measures and the income calculation).

Reads go through each app's selectors, scoped to the user's areas: a user granted elsewhere gets 404 for the page and
for both PDFs. ID numbers, phones and bank accounts are masked unless the user's role may see them in the record's
area (the registry's rule); what was shown unmasked is audited once per response, as the registry's API does, and a
PDF follows the same rule as the page."""

import datetime
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from fupin.areas.selectors import place_name
from fupin.assistance import codelists as assistance_codes
from fupin.assistance import selectors as assistance_selectors
from fupin.assistance.models import DeliveredMeasure, HouseholdVisit, Plan, Responsibility
from fupin.core.codelists import ETHNICITY, localized
from fupin.core.pages import or_404
from fupin.funds import codelists as fund_codes
from fupin.funds import selectors as fund_selectors
from fupin.projects import codelists as project_codes
from fupin.projects import selectors as project_selectors
from fupin.registry import codelists as cl
from fupin.registry import selectors as registry_selectors
from fupin.registry.masking import Masking
from fupin.registry.models import Household, HouseholdYear
from fupin.registry.validation import TRANSFER_ITEMS
from fupin.rules.evaluation import INDICATORS  # the 两不愁三保障 + water indicators, in their order
from fupin.rules.policy import YearPolicy
from fupin.workflows import selectors as workflow_selectors
from fupin.workflows.notices import FONTS

ZERO = Decimal("0.00")
CARD_MEASURE_ROWS = 12  # the 明白卡 is one page: more delivered measures than this are summed in one line
INCOME_FIELDS = ("wage_income", "business_income", "business_expense", "property_income", "transfer_income",
                 "net_income", "net_income_per_capita")
CONDITIONS = ("cultivated_land", "forest_land", "housing_area", "housing_grade", "drinking_water_difficult",
              "sanitary_toilet")


def yuan(value) -> str:
    """An amount in yuan as a household's documents write it: in full, two decimals, thousands separated."""
    if value is None:
        return ""
    return f"{Decimal(value):,.2f}"


def _label(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _members(household: Household, masking: Masking) -> list[dict]:
    rows = []
    for member in household.members.order_by("-is_active", "relation", "id"):
        rows.append({
            "member": member, **masking.values(member, household.area_id, ("id_number", "disability_certificate")),
            "relation": cl.RELATION.label(member.relation), "sex": cl.SEX.label(member.sex),
            "ethnicity": ETHNICITY.label(member.ethnicity), "education": cl.EDUCATION.label(member.education),
            "school_status": cl.SCHOOL_STATUS.label(member.school_status), "health": cl.HEALTH.label(member.health),
            "labour": cl.LABOUR.label(member.labour),
            "work_location": cl.WORK_LOCATION.label(member.work_location)})
    return rows


def _lines(household: Household, years: list[int]) -> dict[int, Decimal | None]:
    """The working poverty line of each year for the household's province (rules data)."""
    return YearPolicy.lines_of_years(years, household.area_id[:2])


def _income(row: HouseholdYear, line: Decimal | None) -> dict:
    """A year's income calculation: wage + business − business expense + property + transfer = net;
    net ÷ household size = per capita, compared with the year's line (exit needs more than the line)."""
    amounts = {name: getattr(row, name) or Decimal("0") for name in INCOME_FIELDS}  # None: not entered
    computed = (amounts["wage_income"] + amounts["business_income"] - amounts["business_expense"]
                + amounts["property_income"] + amounts["transfer_income"])
    per_capita = row.net_income_per_capita
    compared = line is not None and per_capita is not None  # an income not entered is compared with nothing
    return {
        "row": row, "year": row.year, "size": row.size_end, "line": line, "line_display": yuan(line),
        "values": {name: yuan(getattr(row, name)) for name in INCOME_FIELDS},
        "transfers": [(_label(HouseholdYear, name), yuan(getattr(row, name))) for name in TRANSFER_ITEMS
                      if getattr(row, name)],
        "sum_line": (f"{yuan(row.wage_income)} + {yuan(row.business_income)} − {yuan(row.business_expense)} + "
                     f"{yuan(row.property_income)} + {yuan(row.transfer_income)} = {yuan(row.net_income)}"),
        "per_capita_line": f"{yuan(row.net_income)} ÷ {row.size_end} = {yuan(per_capita)}",
        "line_comparison": None if not compared else f"{yuan(per_capita)} {'>' if per_capita > line else '≤'} "
                                                     f"{yuan(line)}",
        "above_line": None if not compared else per_capita > line,
        "consistent": row.wage_income is None or computed == row.net_income,
        "indicators": [(_label(HouseholdYear, name), getattr(row, name)) for name in INDICATORS],
        "status": cl.STATUS.label(row.status),
    }


def _cases(actor, household: Household) -> dict[int, dict]:
    """The household's procedures (cases) the user may see, with their decisions, evidence and notices."""
    cases = {}
    for case in workflow_selectors.case_list(actor=actor).filter(household=household).prefetch_related(
            "decisions__step", "notices").order_by("started_on", "id"):
        cases[case.pk] = {
            "case": case, "procedure": localized(case.procedure.name_zh, case.procedure.name_en),
            "decisions": [{"step": localized(d.step.name_zh, d.step.name_en), "on": d.decided_on,
                           "outcome": d.get_outcome_display(), "comment": d.comment, "evidence": d.evidence}
                          for d in case.decisions.all()],
            "notices": sorted(case.notices.all(), key=lambda notice: (notice.published_on, notice.pk))}
    return cases


def _trajectory(household: Household, cases: dict[int, dict]) -> list[dict]:
    """The 脱贫轨迹: every status change with its date, from → to and its evidence (the case that decided it)."""
    rows = []
    for transition in household.transitions.select_related("actor").order_by("effective_date", "id"):
        evidence = dict(transition.evidence or {})
        case = cases.get(evidence.get("case")) if "case" in evidence else None
        other = [(key, value) for key, value in evidence.items() if key not in ("case", "procedure") or not case]
        rows.append({"transition": transition, "on": transition.effective_date,
                     "from": cl.STATUS.label(transition.from_status), "to": cl.STATUS.label(transition.to_status),
                     "reason": transition.reason, "case": case, "other_evidence": other})
    return rows


def _duty_rows(duties, masking: Masking) -> list[dict]:
    return [{"duty": duty, "cadre": duty.cadre, "level": assistance_codes.RESPONSIBLE_LEVEL.label(duty.level),
             "unit": duty.cadre.unit_name or (duty.cadre.unit.name if duty.cadre.unit_id else ""),
             **masking.values(duty.cadre, duty.cadre.area_id, ("phone",))} for duty in duties]


def _projects(actor, household: Household) -> list[dict]:
    beneficiaries = list(project_selectors.household_beneficiaries(household=household))
    visible = set(project_selectors.project_list(actor=actor).filter(
        pk__in=[b.project_id for b in beneficiaries]).values_list("pk", flat=True))
    return [{"beneficiary": b, "project": b.project, "linked": b.project_id in visible,
             "type": project_codes.PROJECT_TYPE.label(b.project.type),
             "mechanism": project_codes.BENEFIT_MECHANISM.label(b.mechanism), "amount": yuan(b.amount)}
            for b in beneficiaries]


def _funds(actor, household: Household) -> dict:
    funds = fund_selectors.household_funds(actor=actor, household=household)
    visible = set(fund_selectors.document_list(actor=actor).filter(
        pk__in=[row["document"] for row in funds["documents"]]).values_list("pk", flat=True))
    return {"total": yuan(funds["total"]),
            "by_source": [(fund_codes.FUND_SOURCE.label(code), yuan(amount)) for code, amount in
                          funds["by_source"].items()],
            "documents": [{**row, "amount": yuan(row["amount"]), "linked": row["document"] in visible,
                           "source": fund_codes.FUND_SOURCE.label(row["source"]),
                           "projects": [{**p, "amount": yuan(p["amount"])} for p in row["projects"]]}
                          for row in funds["documents"]]}


def household_file(actor, household: Household, masking: Masking) -> dict:
    """Everything the page and the 扶贫手册 show, read through the apps' selectors, masked for `actor`."""
    years = list(household.years.order_by("year"))
    lines = _lines(household, [row.year for row in years])
    cases = _cases(actor, household)
    plans = assistance_selectors.record_list(actor=actor, model=Plan).filter(household=household).prefetch_related(
        "planned__measure_type", "planned__member").order_by("year")
    delivered = assistance_selectors.record_list(actor=actor, model=DeliveredMeasure).filter(
        household=household).select_related("measure_type", "member", "provider", "project").order_by(
        "delivered_on", "id")
    duties = assistance_selectors.record_list(actor=actor, model=Responsibility).filter(
        household=household).select_related("cadre", "cadre__unit").order_by("start_date", "id")
    visits = assistance_selectors.record_list(actor=actor, model=HouseholdVisit).filter(
        household=household).select_related("cadre").order_by("-visited_on", "-id")
    head = household.members.filter(is_active=True, relation=cl.HEAD).first()
    latest = years[-1] if years else None
    return {
        "household": household, "place": place_name(actor=actor, area=household.area), "head": head,
        **masking.values(household, household.area_id, ("phone", "bank_account")),
        "attribute": cl.HOUSEHOLD_ATTRIBUTE.label(household.attribute),
        "id_standard": cl.ID_STANDARD.label(household.id_standard),
        "main_cause": cl.CAUSE.label(household.main_cause),
        "other_causes": [cl.CAUSE.label(code) for code in household.other_causes or [] if code in cl.CAUSE.values],
        "status": cl.STATUS.label(household.status),
        "monitoring_category": cl.MONITORING_CATEGORY.label(household.monitoring_category),
        "members": _members(household, masking),
        "years": [_income(row, lines[row.year]) for row in years],
        "latest": latest,
        "conditions": [(_label(HouseholdYear, name), getattr(latest, name)) for name in CONDITIONS] if latest else [],
        "income_labels": {name: _label(HouseholdYear, name) for name in INCOME_FIELDS},
        "indicator_labels": [_label(HouseholdYear, name) for name in INDICATORS],
        "trajectory": _trajectory(household, cases),
        "cases": list(cases.values()),
        "plans": [{"plan": plan, "causes": [cl.CAUSE.label(code) for code in plan.causes if code in cl.CAUSE.values],
                   "outcome": assistance_codes.PLAN_OUTCOME.label(plan.outcome),
                   "planned": [{"measure": m, "amount": yuan(m.planned_amount)} for m in plan.planned.all()]}
                  for plan in plans],
        "delivered": [{"measure": m, "amount": yuan(m.amount)} for m in delivered],
        "delivered_total": yuan(sum((m.amount for m in delivered), ZERO)),
        "duties": _duty_rows(duties, masking),
        "visits": visits,
        "projects": _projects(actor, household),
        "funds": _funds(actor, household),
    }


def _pdf(html: str, filename: str) -> HttpResponse:
    from weasyprint import HTML

    response = HttpResponse(HTML(string=html).write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _year_asked(request, household: Household) -> int:
    """`?year=` if the household has a record for it (404 if not); otherwise the latest year held."""
    held = list(household.years.order_by("year").values_list("year", flat=True))
    text = request.GET.get("year", "")
    if text:
        if not text.isdigit() or int(text) not in held:
            raise Http404
        return int(text)
    if not held:
        raise Http404
    return held[-1]


@login_required
def household_file_page(request, pk: int):
    household = or_404(registry_selectors.household_get, actor=request.user, pk=pk)
    masking = Masking(request.user)
    context = household_file(request.user, household, masking)
    response = render(request, "web/household_file.html", context)
    masking.audit()
    return response


@login_required
def household_handbook(request, pk: int):
    """The 扶贫手册 as a PDF: cover, household, members, incomes, indicators, trajectory, plans and measures, cadres
    and visits, projects and funds; masked for the user printing it."""
    household = or_404(registry_selectors.household_get, actor=request.user, pk=pk)
    masking = Masking(request.user)
    context = household_file(request.user, household, masking)
    context.update(fonts=FONTS, cover_year=context["latest"].year if context["latest"] else None,
                   printed_on=datetime.date.today())
    response = _pdf(render_to_string("web/household_handbook.html", context, request=request),
                    f"handbook-{household.number}.pdf")
    masking.audit()
    return response


def household_card(actor, household: Household, year: int, masking: Masking) -> dict:
    """What the 明白卡 of a year shows: household, responsible cadres that year, the year's measures with amounts
    (at most CARD_MEASURE_ROWS rows, the rest summed) and the income calculation against the year's line."""
    row = household.years.get(year=year)
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    duties = assistance_selectors.record_list(actor=actor, model=Responsibility).filter(
        household=household, start_date__lte=end).exclude(end_date__lt=start).select_related(
        "cadre", "cadre__unit").order_by("start_date", "id")
    delivered = list(assistance_selectors.record_list(actor=actor, model=DeliveredMeasure).filter(
        household=household, delivered_on__year=year).select_related("measure_type", "member").order_by(
        "delivered_on", "id"))
    shown, rest = delivered[:CARD_MEASURE_ROWS], delivered[CARD_MEASURE_ROWS:]
    plan = assistance_selectors.record_list(actor=actor, model=Plan).filter(household=household, year=year).first()
    head = household.members.filter(is_active=True, relation=cl.HEAD).first()
    return {
        "household": household, "place": place_name(actor=actor, area=household.area), "head": head, "year": year,
        "attribute": cl.HOUSEHOLD_ATTRIBUTE.label(household.attribute),
        "main_cause": cl.CAUSE.label(household.main_cause),
        **masking.values(household, household.area_id, ("phone",)),
        "duties": _duty_rows(duties, masking),
        "delivered": [{"measure": m, "amount": yuan(m.amount)} for m in shown],
        "rest_count": len(rest), "rest_amount": yuan(sum((m.amount for m in rest), ZERO)),
        "delivered_total": yuan(sum((m.amount for m in delivered), ZERO)),
        "planned": [{"measure": m, "amount": yuan(m.planned_amount)}
                    for m in plan.planned.select_related("measure_type")] if plan else [],
        "income": _income(row, _lines(household, [year])[year]),
        "income_labels": {name: _label(HouseholdYear, name) for name in INCOME_FIELDS},
        "fonts": FONTS, "printed_on": datetime.date.today(),
    }


@login_required
def household_card_pdf(request, pk: int):
    """The 明白卡 of `?year=` (default: the latest year held) as a one-page PDF."""
    household = or_404(registry_selectors.household_get, actor=request.user, pk=pk)
    year = _year_asked(request, household)
    masking = Masking(request.user)
    context = household_card(request.user, household, year, masking)
    response = _pdf(render_to_string("web/household_card.html", context, request=request),
                    f"card-{household.number}-{year}.pdf")
    masking.audit()
    return response

