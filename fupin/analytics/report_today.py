"""The report card of today (issue 26 item 7): the figures a county or province reports for a year of 常态化帮扶
(2021–), each with its provenance — which records, which rule parameter (with its source and certainty flag), as of
which date, and how fresh (every figure is read live from the operational records, not from rollups).

The figures and their rules:
- 防止返贫致贫对象 (monitoring objects), from the low-income register's memberships of category ``monitoring``
  (lowincome.CategoryMembership, the one register of people in difficulty): identified in the year (identification
  date in it) and cumulatively (by the year's end); risk eliminated in the year and cumulatively (the membership
  ended with the reason 风险消除, end date in the year / by its end); still at risk at the year's end (in force on
  31 December: identified by then, not ended by then — the end date is the first day out); each in persons
  (distinct people) and households (distinct registered households; a person not linked to a 建档立卡 household
  counts as a household of their own), and in persons by monitoring category (1/2/3, "not recorded").
- the share of 脱贫户 and of 监测户 with an industry measure (产业帮扶) in the year. 脱贫户: registered households
  out of poverty (status 已脱贫, exit year by the year or not recorded); 监测户: registered households with a
  monitoring membership in force at some time in the year. A household has an industry measure in the year when a
  delivered measure of a kind flagged as industry (data/industry_measures.json, with its source and certainty) was
  delivered in the year or continues into it (its support ends in the year or later).
- the per-capita net income of 脱贫户: over their records of the year (registry.HouseholdYear), weighted by persons —
  Σ (net income per head × household size at year end) / Σ household size — to the fen, half up; the records'
  coverage (households with a record of the year, of all 脱贫户) is stated.
- the per-capita income of 脱贫县: the counties of the area designated poor (贫困县 / 重点县 / 片区县, the
  designations of 2014–2020 held in areas.AreaDesignation) that exited by the year — the 脱贫县 of the 2021– period
  are exactly those — their rural disposable income per head of the year (areas.AreaYear) weighted by rural population.
- the linked funds' (衔接资金) industry share against the province's minimum (funds.linked: spending on industry
  project types over all spending of the year's documents; the minimum is the policy parameter
  ``linked_funds_industry_min_share`` with its source and certainty), and the counties meeting it.
- project assets by class (经营性/公益性/到户类) and by owner level (确权), number and value of those held (in use or
  with a disposal under way) — the asset register's 总账 (projects.ledger), which holds the present state: as of the
  day the card is made.

Where to get it:
- command: ``fupin report today --area 533301 --year 2025 [--format md|json|xlsx] [-o FILE]``;
- page: ``/report-today/<area code>/?year=2025`` (web:report-today), its xlsx at ``…/export/?year=2025``;
- API: ``GET /api/report-today/?area=533301&year=2025``.
"""

import datetime
import json
import re
from dataclasses import asdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import AreaDesignation, AreaYear
from fupin.areas.selectors import area_by_code, within_area
from fupin.assistance.models import DeliveredMeasure, MeasureType
from fupin.core import temporal
from fupin.core.areacodes import Level, level_of
from fupin.core.errors import ValidationFailed
from fupin.core.labels import record_type_label
from fupin.funds import linked
from fupin.lowincome.selectors import membership_list
from fupin.projects import codelists as project_codes
from fupin.projects.ledger import county_ledger
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household, HouseholdYear

from .report import POOR_COUNTY, Figure, weighted_income

FIRST_YEAR = 2021  # the report card of today covers the years of 常态化帮扶 (the monitoring mechanism, 2021–)
MONITORING = "monitoring"
RISK_ELIMINATED = "risk_eliminated"
INDUSTRY_FLAGS = json.loads((Path(__file__).resolve().parent / "data" / "industry_measures.json").read_text(
    encoding="utf-8"))
CENT = Decimal("0.01")


def industry_measure_types() -> list[str]:
    """The measure kinds flagged as industry (产业帮扶) in the data file."""
    return sorted(code for code, flag in INDUSTRY_FLAGS["measure_types"].items() if flag)


def _check_year(year: int) -> None:
    now = temporal.today()
    if year > now.year:
        raise ValidationFailed(_("The year %(year)s is in the future."), field="year", year=year)
    if year < FIRST_YEAR:
        raise ValidationFailed(_("The report card of today starts in %(first)s; for earlier years use the report "
                                 "card of 2014–2020."), field="year", first=FIRST_YEAR)


def _live(records: str, as_of: datetime.date, **extra) -> dict:
    return {"engine": "operational", "snapshot": "live", "records": records, "as_of": as_of.isoformat(),
            "freshness": "live", **extra}


def _how(metric: str, records: str, filters: dict, as_of: datetime.date, **extra) -> dict:
    return {"metric": metric, "filters": filters, "source": _live(records, as_of), **extra}


def _households(rows) -> int:
    """Distinct households of (membership household, person household, person) rows: the registered household where
    linked, else the person alone."""
    return len({("h", own or person_household) if (own or person_household) else ("p", person)
                for person, own, person_household in rows})


def _monitoring(actor, area, year: int, as_of: datetime.date) -> list[Figure]:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    members = membership_list(actor=actor).filter(within_area("person__area_id", area), category=MONITORING)
    columns = ("person_id", "household_id", "person__household_id")
    sets = {
        "identified_year": members.filter(identified_on__gte=start, identified_on__lte=end),
        "identified_total": members.filter(identified_on__lte=end),
        "eliminated_year": members.filter(end_reason=RISK_ELIMINATED, ends_on__gte=start, ends_on__lte=end),
        "eliminated_total": members.filter(end_reason=RISK_ELIMINATED, ends_on__lte=end),
        "at_risk": members.filter(identified_on__lte=end).filter(Q(ends_on__isnull=True) | Q(ends_on__gt=end)),
    }
    labels = {
        "identified_year": _("Monitoring objects identified in %(year)s") % {"year": year},
        "identified_total": _("Monitoring objects identified by the end of %(year)s (since %(first)s)") % {
            "year": year, "first": FIRST_YEAR},
        "eliminated_year": _("Monitoring objects whose risk was eliminated in %(year)s") % {"year": year},
        "eliminated_total": _("Monitoring objects whose risk was eliminated by the end of %(year)s") % {"year": year},
        "at_risk": _("Monitoring objects still at risk at the end of %(year)s") % {"year": year},
    }
    rules = {
        "identified_year": f"identified_on in {start}–{end}",
        "identified_total": f"identified_on ≤ {end}",
        "eliminated_year": f"end_reason = {RISK_ELIMINATED}, ends_on in {start}–{end}",
        "eliminated_total": f"end_reason = {RISK_ELIMINATED}, ends_on ≤ {end}",
        "at_risk": f"identified_on ≤ {end} and (no end or ends_on > {end})",
    }
    figures = []
    base = {"area": area.code, "year": year, "category": MONITORING}
    for key, rows in sets.items():
        values = list(rows.values_list(*columns).distinct())
        how = _how("monitoring_objects", "lowincome.categorymembership", {**base, "rule": rules[key]}, as_of,
                   households_rule=_("a registered household once; a person outside the registry as a household"))
        figures.append(Figure(f"monitoring_{key}_persons", labels[key], len({row[0] for row in values}),
                              pgettext("unit", "persons"), how))
        figures.append(Figure(f"monitoring_{key}_households", labels[key], _households(values),
                              pgettext("unit", "households"), how))
    for key in ("identified_year", "eliminated_year", "at_risk"):
        by_category: dict[str, set] = {}
        for person, category in sets[key].values_list("person_id", "monitoring_category").distinct():
            by_category.setdefault(category or "", set()).add(person)
        for item in [*registry_codes.MONITORING_CATEGORY.codes, None]:
            code = item.code if item is not None else ""
            if item is None and code not in by_category:
                continue
            name = registry_codes.MONITORING_CATEGORY.label(code) if code else _("category not recorded")
            how = _how("monitoring_objects", "lowincome.categorymembership",
                       {**base, "rule": rules[key], "monitoring_category": code or None}, as_of)
            figures.append(Figure(f"monitoring_{key}_category_{code or 'none'}", f"{labels[key]} · {name}",
                                  len(by_category.get(code, ())), pgettext("unit", "persons"), how))
    return figures


def _exited_households(actor, area, year: int):
    return Household.objects.scoped(actor, Action.VIEW).filter(within_area("area_id", area)).filter(
        status__in=sorted(registry_codes.EXITED_STATUSES)).filter(Q(exit_year__isnull=True) | Q(exit_year__lte=year))


def _monitored_households(actor, area, year: int) -> set[int]:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = membership_list(actor=actor).filter(within_area("person__area_id", area), category=MONITORING,
                                               identified_on__lte=end).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=start)).values_list("household_id", "person__household_id")
    return {own or linked_household for own, linked_household in rows if own or linked_household}


def _industry(actor, area, year: int, as_of: datetime.date) -> list[Figure]:
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    kinds = industry_measure_types()
    known = dict(MeasureType.objects.filter(code__in=kinds).values_list("code", "name_zh"))
    measures = DeliveredMeasure.objects.scoped(actor, Action.VIEW).filter(
        within_area("household__area_id", area), measure_type_id__in=kinds, delivered_on__lte=end).filter(
        Q(delivered_on__gte=start) | Q(ends_on__gte=start))
    with_industry = set(measures.values_list("household_id", flat=True).distinct())
    groups = {"exited": set(_exited_households(actor, area, year).values_list("pk", flat=True)),
              "monitored": _monitored_households(actor, area, year)}
    labels = {"exited": _("Households out of poverty with an industry measure in %(year)s"),
              "monitored": _("Monitored households with an industry measure in %(year)s")}
    populations = {"exited": "registry.household: status out of poverty (1, 4), exit year ≤ the year or empty",
                   "monitored": "lowincome.categorymembership: monitoring, in force in the year, linked household"}
    figures = []
    for key, households in groups.items():
        helped = len(households & with_industry)
        how = _how("industry_measure_share", "assistance.deliveredmeasure",
                   {"area": area.code, "year": year, "households": populations[key],
                    "measure": f"delivered_on ≤ {end} and (delivered_on ≥ {start} or ends_on ≥ {start})"}, as_of,
                   rule={"code": "industry_measure_types", "value": kinds, "names": [known.get(k, k) for k in kinds],
                         "source": INDUSTRY_FLAGS["source"], "certainty": INDUSTRY_FLAGS["certainty"]},
                   numerator=helped, denominator=len(households))
        figures.append(Figure(f"industry_share_{key}", labels[key] % {"year": year},
                              helped / len(households) if households else None, "%", how))
        figures.append(Figure(f"industry_households_{key}", labels[key] % {"year": year}, helped,
                              _("of %(n)s households") % {"n": len(households)}, how))
    return figures


def _incomes(actor, area, year: int, as_of: datetime.date) -> list[Figure]:
    exited = _exited_households(actor, area, year)
    records = HouseholdYear.objects.filter(household__in=exited.values("pk"), year=year,
                                           net_income_per_capita__isnull=False)
    persons, income = 0, Decimal(0)
    for per_head, size in records.values_list("net_income_per_capita", "size_end"):
        persons += size
        income += Decimal(per_head) * size
    average = (income / persons).quantize(CENT, rounding=ROUND_HALF_UP) if persons else None
    how = _how("exited_income", "registry.householdyear",
               {"area": area.code, "year": year, "households": "status out of poverty (1, 4)",
                "weights": "size_end"}, as_of,
               rule=_("Σ (net income per head × household size) / Σ household size, to the fen (half up)"),
               records_found=records.count(), households=exited.count())
    counties = sorted(set(AreaDesignation.objects.filter(
        within_area("area_id", area), designation_type_id__in=list(POOR_COUNTY), exit_year__isnull=False,
        exit_year__lte=year).values_list("area_id", flat=True)))
    counties = [code for code in counties if level_of(code) == Level.COUNTY]
    county_income = weighted_income(counties, year)
    with_income = sorted(AreaYear.objects.filter(area_id__in=counties, year=year,
                                                 rural_income_per_capita__isnull=False).values_list(
        "area_id", flat=True))
    county_how = _how("tuopin_county_income", "areas.areayear",
                      {"area": area.code, "year": year, "designations": list(POOR_COUNTY),
                       "exit_year": f"≤ {year}", "weights": "rural_population"}, as_of,
                      rule=_("counties designated poor in 2014–2020 that exited; rural disposable income per head "
                             "weighted by rural population"),
                      counties=counties, counties_with_income=with_income)
    return [
        Figure("exited_income_per_head", _("Net income per head of households out of poverty, %(year)s") % {
            "year": year}, average, pgettext("unit", "yuan"), how),
        Figure("tuopin_county_income_per_head",
               _("Rural disposable income per head in counties out of poverty, %(year)s") % {"year": year},
               county_income, pgettext("unit", "yuan"), county_how),
        Figure("tuopin_counties", _("Counties out of poverty (the former poor counties)"), len(counties),
               pgettext("unit", "counties"), county_how),
    ]


def _linked_funds(actor, area, year: int, as_of: datetime.date) -> list[Figure]:
    report = linked.linked_funds_report(actor=actor, area_code=area.code, year=year)
    totals, rule = report["totals"], report["rule"]
    parameter = None
    if rule is not None:
        parameter = {"code": linked.INDUSTRY_SHARE, "value": rule["value"], "effective_year": rule["effective_year"],
                     "province": rule["province"], "source": rule["source"], "certainty": rule["certainty"]}
    how = _how("linked_funds", "funds.fundentry", {"area": area.code, "year": year, "source": linked.LINKED_SOURCE,
                                                    "year_of": "document",
                                                    "industry_types": sorted(project_codes.INDUSTRY_TYPES)}, as_of,
               parameter=parameter, industry=totals["industry"], spent=totals["spent"])
    yuan = pgettext("unit", "yuan")
    return [
        Figure("linked_allocated", _("Linked funds allocated, %(year)s") % {"year": year},
               totals["allocated"], yuan, how),
        Figure("linked_spent", _("Linked funds spent, %(year)s") % {"year": year}, totals["spent"], yuan,
               how),
        Figure("linked_industry_share", _("Share of linked funds spent on industry, %(year)s") % {"year": year},
               totals["share"], "%", how),
        Figure("linked_industry_minimum", _("The province's minimum industry share, %(year)s") % {"year": year},
               rule["value"] if rule else None, "%", how),
        Figure("linked_counties_meeting", _("Counties meeting the minimum industry share"), report["met"],
               _("of %(n)s") % {"n": len(report["rows"])}, how),
    ]


def _assets(actor, area, as_of: datetime.date) -> list[Figure]:
    ledger = county_ledger(actor=actor, area_code=area.code)
    figures = []
    lists = {"kind": project_codes.ASSET_KIND, "owner_level": project_codes.OWNER_LEVEL}
    titles = {"kind": _("Project assets held, %(label)s"), "owner_level": _("Project assets held, owned at %(label)s")}
    for dimension in ledger["dimensions"]:
        field = dimension["field"]
        if field not in lists:
            continue
        found = {row["code"]: row for row in dimension["rows"]}
        for code in [*(item.code for item in lists[field].codes), *([""] if "" in found else [])]:
            row = found.get(code, {"held_count": 0, "held_value": Decimal("0.00")})
            label = titles[field] % {"label": lists[field].label(code) if code else _("not recorded")}
            how = _how("project_assets", "projects.projectasset",
                       {"area": area.code, field: code or None, "status": ["in_use", "disposing"],
                        "owner_area": "within the area"}, as_of,
                       rule=_("the asset register's county ledger: assets held (in use or being disposed of) today"))
            figures.append(Figure(f"assets_{field}_{code or 'none'}_count", label, row["held_count"],
                                  pgettext("unit", "assets"), how))
            figures.append(Figure(f"assets_{field}_{code or 'none'}_value", label, row["held_value"],
                                  pgettext("unit", "yuan"), how))
    totals = ledger["totals"]
    how = _how("project_assets", "projects.projectasset", {"area": area.code, "status": ["in_use", "disposing"]},
               as_of)
    figures.append(Figure("assets_held_count", _("Project assets held"), totals["held_count"],
                          pgettext("unit", "assets"), how))
    figures.append(Figure("assets_held_value", _("Project assets held"), totals["held_value"],
                          pgettext("unit", "yuan"), how))
    return figures


def report_today(*, actor, area_code: str, year: int) -> dict:
    """The card of today of an area for a year (2021 to this year)."""
    _check_year(year)
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    as_of = temporal.today()
    figures = [*_monitoring(actor, area, year, as_of), *_industry(actor, area, year, as_of),
               *_incomes(actor, area, year, as_of), *_linked_funds(actor, area, year, as_of),
               *_assets(actor, area, as_of)]
    return {"area": {"code": area.code, "name": area.name, "level": area.level}, "year": year, "baseline": year,
            "as_of": as_of.isoformat(), "title": _("report card of today"),
            "generated_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "figures": [{**asdict(f), "display": f.display} for f in figures], "by_ethnicity": []}


WORD_CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def _is_code(value) -> bool:
    """A filter written in codes (a code, a list of them, or a condition naming one): kept out of the line."""
    values = value if isinstance(value, (list, tuple, set)) else [value]
    return isinstance(value, dict) or any(
        isinstance(item, str) and (WORD_CODE.fullmatch(item) or SNAKE_CASE.search(item)) for item in values)


def provenance(how: dict) -> str:
    """One line saying where a figure comes from: its records, filters, rule or parameter and as of when."""
    source = how.get("source", {})
    # The line is read by people: the records by name, and of the filters those whose values are not codes
    # (areas, years, amounts); the codes themselves stay in `how`, which the API and the command answer whole.
    parts = [f"{_('records')}: {record_type_label(source.get('records', ''))}",
             "; ".join(f"{key}={value}" for key, value in how.get("filters", {}).items() if not _is_code(value))]
    parameter = how.get("parameter") or (how.get("rule") if isinstance(how.get("rule"), dict) else None)
    if parameter:
        parts.append(f"{_('rule')}: {parameter.get('code')} = {parameter.get('names') or parameter.get('value')} "
                     f"({parameter.get('source')}; {_('certainty')}: {parameter.get('certainty')})")
    elif how.get("rule"):
        parts.append(f"{_('rule')}: {how['rule']}")
    parts.append(f"{_('as of')} {source.get('as_of', '')} ({_('live records')})")
    return record_type_label(" · ".join(part for part in parts if part))


def table(card: dict) -> tuple[list[str], list[list]]:
    """The card as a table (header, rows) for the xlsx download and the command's xlsx: labels, numbers, units."""
    header = [_("Figure"), _("Value"), _("Unit"), _("Shown as"), _("How it was computed")]
    rows = [[figure["label"], figure["value"] if isinstance(figure["value"], (int, float, Decimal)) else "",
             figure["unit"], figure["display"], provenance(figure["how"])] for figure in card["figures"]]
    return header, rows


def as_markdown(card: dict) -> str:
    lines = [f"# {card['area']['name']} {card['title']} {card['year']}", "",
             f"{_('As of')} {card['as_of']}", "",
             f"| {_('Figure')} | {_('Value')} | {_('How it was computed')} |", "|---|---|---|"]
    for figure in card["figures"]:
        lines.append(f"| {figure['label']} | {figure['display']} | {provenance(figure['how'])} |")
    return "\n".join(lines) + "\n"
