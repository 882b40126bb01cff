"""The report card (成绩单): the figures a province or county reports, each saying how it was computed.

Registry figures come from metrics (with the engine and snapshot they were read from); area exits come from
designations. Helping-side figures (funds, projects, pairings, labour transfer, talent) join as those apps land:
each is one more Figure here.
"""

import datetime
import json
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.db.models import Min, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from fupin.areas.models import Area, AreaDesignation, AreaEthnicPopulation, AreaYear
from fupin.areas.selectors import designations_in_force, within_area
from fupin.cooperation.report import east_west_card
from fupin.core.areacodes import CODE_LENGTH, PREFIX_LENGTH, Level, level_of
from fupin.core.codelists import ETHNICITY, localized
from fupin.core.files.spreadsheets import add_sheet, workbook, write_cell, write_cells
from fupin.core.numbers import display
from fupin.rules import evaluation
from fupin.rules.policy import YearPolicy
from fupin.workflows.models import Case

from .engines import get_engine
from .metrics import get_metric
from .models import SnapshotPartition
from .selectors import stats_query

POOR_VILLAGE = ("poor_village",)
POOR_COUNTY = ("poor_county", "key_county", "contiguous_area_county")


@dataclass
class Figure:
    key: str
    label: str
    value: float | int | None
    unit: str
    how: dict = field(default_factory=dict)  # metric, filters, source

    @property
    def display(self) -> str:
        return display(self.value, self.unit)


def _area_row(rows: list[dict], code: str) -> dict | None:
    return next((row for row in rows if row["code"] == code), None)


def report_card(*, actor, year: int, area_code: str, baseline: int | None = None, engine: str = "duckdb",
                until: datetime.date | None = None) -> dict:
    """The card of an area for `year` against `baseline`; cooperation figures (records with dates) cover
    1 January of the baseline to `until` (default 31 December of the year: a press conference in April reports
    what arrived by the end of March)."""
    query = stats_query(actor=actor, year=year, area_code=area_code)
    code = query.area.ljust(CODE_LENGTH, "0")
    area = Area.objects.get(code=code)
    level = area.level
    runner = get_engine(engine)
    if baseline is None:
        baseline = SnapshotPartition.objects.aggregate(first=Min("year"))["first"] or year
    figures: list[Figure] = []

    def metric_row(name: str, in_year: int) -> tuple[dict | None, dict]:
        asked = stats_query(actor=actor, year=in_year, area_code=area_code, level=level)
        row = _area_row(get_metric(name).compute(runner, asked), code)
        how = {"metric": name, "filters": {"year": in_year, "area": code, "level": level},
               "source": runner.source(in_year).as_dict()}
        return row, how

    for when in sorted({baseline, year}):
        row, how = metric_row("incidence", when)
        figures.append(Figure(f"poor_persons_{when}", _("Registered poor persons at the end of %(year)s") % {
            "year": when}, row["poor"] if row else 0, pgettext("unit", "persons"), how))
        figures.append(Figure(f"incidence_{when}", _("Poverty incidence at the end of %(year)s") % {"year": when},
                              row["incidence"] if row else None, "%", how))
    for name, key, label in (("exits", "exited", _("Out of poverty %(first)s–%(last)s")),
                             ("returns", "returned", _("Returned to poverty %(first)s–%(last)s")),
                             ("new", "identified", _("Newly identified %(first)s–%(last)s"))):
        persons = households = 0
        hows = []
        for when in range(baseline, year + 1):
            row, how = metric_row(name, when)
            persons += row["persons"] if row else 0
            households += row["households"] if row else 0
            hows.append(how)
        how = {"metric": name, "filters": {"years": [baseline, year], "area": code, "level": level},
               "source": hows[-1]["source"], "summed_over_years": True}
        text = label % {"first": baseline, "last": year}
        figures.append(Figure(f"{key}_persons", text, persons, pgettext("unit", "persons"), how))
        figures.append(Figure(f"{key}_households", text, households, pgettext("unit", "households"), how))
    for key, level_name, types, label in (
            ("villages", "village", POOR_VILLAGE, _("Poor villages exited (of those designated)")),
            ("counties", "county", POOR_COUNTY, _("Poor counties exited (of those designated)"))):
        figures.append(_area_exits(key, level_name, types, label, area, year))
    figures += poor_area_income(area, year)
    figures += _deep_poverty(runner, actor, area_code, area, year)
    figures += _demonstration(actor, area, year)
    figures += _helping_side(actor, code, baseline, year, until or datetime.date(year, 12, 31))
    ethnic = _by_ethnicity(runner, actor, code, level, baseline, year, area_code)
    figures += _ethnic_groups(area, baseline, year, ethnic, runner.source(year).as_dict())
    return {
        "area": {"code": code, "name": area.name, "level": level},
        "year": year, "baseline": baseline, "generated_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "figures": [{**asdict(f), "display": f.display} for f in figures],
        "by_ethnicity": ethnic,
    }


@dataclass
class ShownExits:
    """Exits typed into designations, and those of them the records show."""

    declared: set[str]
    decided: set[str]  # by the exit procedure (a completed case)
    evaluated: set[str]  # the area meets the exit rules in its exit year

    @property
    def shown(self) -> set[str]:
        return self.decided | self.evaluated

    def within(self, codes: set[str]) -> "ShownExits":
        return ShownExits(self.declared & codes, self.decided & codes, self.evaluated & codes)

    def how(self) -> dict:
        unproven = sorted(self.declared - self.shown)
        return {"decided": len(self.decided), "evaluated": len(self.evaluated), "declared_not_shown": len(unproven),
                "declared_not_shown_first": unproven[:10]}


def shown_exits(level: str, types, area: Area, first: int | None, last: int) -> ShownExits:
    """The poor villages or counties under `area` whose designation says they exited in [first, last], and which
    of them the records show exited: decided through the exit procedure, or evaluated — meeting the exit rules
    (`rules.evaluation.area_exits`) in the exit year. An exit year typed in without either is not an exit."""
    declared_by_year: dict[int, set[str]] = {}
    rows = AreaDesignation.objects.filter(within_area("area_id", area), designation_type__in=types,
                                          exit_year__isnull=False, exit_year__lte=last)
    if first is not None:
        rows = rows.filter(exit_year__gte=first)
    for code, exit_year in rows.values_list("area_id", "exit_year").distinct():
        declared_by_year.setdefault(exit_year, set()).add(code)
    declared = set().union(*declared_by_year.values())
    cases = Case.objects.filter(procedure__effect=f"{level}_exit", status=Case.Status.COMPLETED,
                                area__code__startswith=area.prefix, year__lte=last)
    if first is not None:
        cases = cases.filter(year__gte=first)
    decided = set(cases.values_list("area_id", flat=True)) & declared
    evaluated: set[str] = set()
    for exit_year, codes in sorted(declared_by_year.items()):
        undecided = codes - decided
        if undecided:  # one set-based evaluation of the area per exit year
            evaluated |= {verdict.code for verdict in evaluation.area_exits(
                level=level, year=exit_year, visible=Area.objects.all(), within=area)
                if verdict.eligible and verdict.code in undecided}
    return ShownExits(declared, decided, evaluated)


def _area_exits(key: str, level: str, types, label, area: Area, year: int) -> Figure:
    exits = shown_exits(level, types, area, None, year)
    total = AreaDesignation.objects.filter(within_area("area_id", area), designation_type__in=types).values(
        "area").distinct().count()
    how = {"metric": "area_exits", "filters": {"types": list(types), "area": area.code, "exit_year_max": year},
           "source": {"engine": "operational", "snapshot": "live"}, **exits.how()}
    return Figure(f"{key}_exited", label, len(exits.shown), _("of %(n)s") % {"n": total}, how)


def weighted_income(codes, year: int) -> Decimal | None:
    """Rural disposable income per head over areas, weighted by their rural population (each area's own
    AreaYear row; areas without an income that year are left out)."""
    rows = AreaYear.objects.filter(area_id__in=codes, year=year, rural_income_per_capita__isnull=False)
    weights = incomes = Decimal(0)
    for population, income in rows.values_list("rural_population", "rural_income_per_capita"):
        weights += population
        incomes += population * income
    return (incomes / weights).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if weights else None


def _growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    return (now / before - 1) if now is not None and before else None


def poor_area_income(area: Area, year: int) -> list[Figure]:
    """贫困地区农民人均可支配收入: the poor counties' (in force in the year) survey income, its growth on the year
    before (the same counties) and how many points above the area's own growth it is."""
    counties = list(designations_in_force(POOR_COUNTY, year).filter(within_area("area_id", area)).values_list(
        "area_id", flat=True).distinct())
    now, before = weighted_income(counties, year), weighted_income(counties, year - 1)
    own = _growth(weighted_income([area.code], year), weighted_income([area.code], year - 1))
    growth = _growth(now, before)
    how = {"metric": "area_years", "filters": {"area": area.code, "year": year, "designations": list(POOR_COUNTY),
                                               "weights": "rural_population"},
           "source": {"engine": "operational", "snapshot": "live", "records": "areas.areayear"}}
    return [
        Figure("poor_area_rural_income", _("Rural disposable income per head in poor areas, %(year)s") % {
            "year": year}, now, pgettext("unit", "yuan"), how),
        Figure("poor_area_rural_income_growth", _("… growth on the year before"), growth, "%", how),
        Figure("poor_area_growth_above_area", _("… points above the growth of the whole area"),
               growth - own if growth is not None and own is not None else None, "%", how),
    ]


DEEP_COUNTY, DEEP_VILLAGE = "deep_poverty_county", "deep_poverty_village"


def _deep_poverty(runner, actor, area_code: str, area: Area, year: int) -> list[Figure]:
    """深度贫困: the counties and villages designated in force in the year and the registered poor living in them at
    its end (each person once: a deep village inside a deep county is counted with the county)."""
    in_force = designations_in_force((DEEP_COUNTY, DEEP_VILLAGE), year).filter(within_area("area_id", area))
    counties = sorted({c[:6] for c in in_force.filter(designation_type=DEEP_COUNTY).values_list("area", flat=True)})
    villages = set(in_force.filter(designation_type=DEEP_VILLAGE).values_list("area", flat=True))
    how = {"metric": "designations", "filters": {"types": [DEEP_COUNTY, DEEP_VILLAGE], "area": area.code, "year": year},
           "source": {"engine": "operational", "snapshot": "live"}}
    figures = [Figure("deep_poverty_counties", _("Deep-poverty counties"), len(counties),
                      pgettext("unit", "counties"), how),
               Figure("deep_poverty_villages", _("Deep-poverty villages"), len(villages),
                      pgettext("unit", "villages"), how)]
    if counties or villages:
        query = stats_query(actor=actor, year=year, area_code=area_code, level=Level.VILLAGE)
        rows = get_metric("poor").compute(runner, query)
        persons = sum(row["persons"] for row in rows
                      if row["code"][:6] in counties or row["code"] in villages)
        figures.append(Figure("deep_poverty_persons", _("Registered poor in deep-poverty areas at the end of "
                                                        "%(year)s") % {"year": year}, persons,
                              pgettext("unit", "persons"), {**how, "metric": "poor", "source": runner.source(
                                  year).as_dict(), "filters": {**how["filters"], "level": Level.VILLAGE}}))
    return figures


DEMONSTRATION = "ethnic_unity_demonstration"
# What the 民族团结进步示范 programme is reported with: the money put into its areas by two sources.
DEMONSTRATION_SOURCES = (("provincial", "provincial_fiscal", gettext_lazy("provincial fiscal funds")),
                         ("integrated", "integrated", gettext_lazy("integrated agriculture-related funds")))


def _demonstration(actor, area: Area, year: int) -> list[Figure]:
    """民族团结进步示范: the counties, townships and villages designated in its rounds up to `year`, and the money
    allocated (下达, corrections included) to them — their whole areas, each entry once — from documents of the
    rounds' budget years, by source (provincial fiscal funds, integrated agriculture-related funds)."""
    from fupin.funds.selectors import effective, entry_list

    designated = AreaDesignation.objects.filter(designation_type=DEMONSTRATION, year__lte=year).filter(
        within_area("area_id", area)).select_related("area")
    areas = {item.area for item in designated}
    if not areas:
        return []
    rounds = sorted({item.year for item in designated})
    how = {"metric": "designations", "filters": {"type": DEMONSTRATION, "area": area.code, "rounds": rounds},
           "source": {"engine": "operational", "snapshot": "live"}}
    figures = [Figure(f"demonstration_{key}", label, sum(1 for each in areas if each.level == level), unit, how)
               for key, level, label, unit in (
                   ("counties", Level.COUNTY, _("Ethnic unity demonstration counties"), pgettext("unit", "counties")),
                   ("townships", Level.TOWNSHIP, _("Ethnic unity demonstration townships"),
                    pgettext("unit", "townships")),
                   ("villages", Level.VILLAGE, _("Ethnic unity demonstration villages"),
                    pgettext("unit", "villages")))]
    # Summed by area and source, then kept where the area lies in a designated one: a set lookup per area, not
    # thousands of code ranges in one condition (SQLite refuses an expression deeper than 1,000).
    prefixes = {each.prefix for each in areas}
    sums: dict[str, Decimal] = {}
    allocated = entry_list(actor=actor).filter(effective("allocate"), within_area("area_id", area),
                                               document__year__gte=rounds[0], document__year__lte=year,
                                               document__source__in=[s for _k, s, _l in DEMONSTRATION_SOURCES])
    for code, source, amount in allocated.values_list("area_id", "document__source").annotate(amount=Sum("amount")):
        if any(code[:length] in prefixes for length in PREFIX_LENGTH.values()):
            # SQLite sums decimals as floating point: each sum is rounded back to the cent.
            sums[source] = sums.get(source, Decimal(0)) + Decimal(amount).quantize(Decimal("0.01"), ROUND_HALF_UP)
    for key, source, label in DEMONSTRATION_SOURCES:
        figures.append(Figure(
            f"demonstration_{key}_funds", _("Ethnic unity demonstration: %(source)s allocated %(first)s–%(last)s") % {
                "source": label, "first": rounds[0], "last": year},
            sums.get(source, Decimal("0.00")), pgettext("unit", "yuan"),
            {"metric": "funds", "filters": {"kind": "allocate", "source": source, "designation": DEMONSTRATION,
                                            "area": area.code, "document_years": [rounds[0], year]},
             "source": {"engine": "operational", "snapshot": "live", "records": "funds.fundentry"}}))
    return figures


# Helping-side figures of the cooperation card that a province's report card carries (key → label, unit).
HELPING_FIGURES = {
    "fiscal_aid_arrived": (gettext_lazy("East–West fiscal aid arrived"), pgettext_lazy("unit", "yuan")),
    "donation_arrived": (gettext_lazy("Donations arrived"), pgettext_lazy("unit", "yuan")),
    "workshops": (gettext_lazy("Poverty workshops built"), pgettext_lazy("unit", "workshops")),
    "professionals_sent": (gettext_lazy("Professionals sent to the area"), pgettext_lazy("unit", "persons")),
    "poor_moved_into_jobs": (gettext_lazy("Registered poor moved into jobs"), pgettext_lazy("unit", "persons")),
    "paired_poor_counties": (gettext_lazy("Poor counties paired hand in hand with the east"),
                             pgettext_lazy("unit", "counties")),
    "east_west_projects": (gettext_lazy("Projects paid for by East–West fiscal aid"),
                           pgettext_lazy("unit", "projects")),
    "east_west_poor_helped_out": (gettext_lazy("Registered poor helped out of poverty by those projects"),
                                  pgettext_lazy("unit", "persons")),
}
# The rest of the cooperation card: on its own export (`fupin report east-west`), not on the province's 成绩单.
EAST_WEST_ONLY = {
    "fiscal_aid_committed": (gettext_lazy("East–West fiscal aid committed"), pgettext_lazy("unit", "yuan")),
    "donation_committed": (gettext_lazy("Donations committed"), pgettext_lazy("unit", "yuan")),
    "fiscal_aid_arrival_rate": (gettext_lazy("Fiscal aid arrived of what was committed"), "%"),
    "industry_labour_share": (gettext_lazy("Share of arrived fiscal aid for industry and labour cooperation"), "%"),
    "purchases_amount": (gettext_lazy("Consumption purchases"), pgettext_lazy("unit", "yuan")),
    "leader_visits_to_helped": (gettext_lazy("Provincial leaders' visits to the helped side"),
                                pgettext_lazy("unit", "visits")),
    "leader_visits_to_helper": (gettext_lazy("Helped side's provincial leaders' visits to the east"),
                                pgettext_lazy("unit", "visits")),
    "workshop_poor_employees": (gettext_lazy("Poor persons employed in the workshops"),
                                pgettext_lazy("unit", "persons")),
    "cadres_sent": (gettext_lazy("Cadres seconded to the area"), pgettext_lazy("unit", "persons")),
}
AREAS_UNIT = pgettext_lazy("unit", "areas")
BY_PROVINCE_FIGURES = {
    "fiscal_aid_arrived_by_donor_province": gettext_lazy("East–West fiscal aid arrived from %(province)s"),
    "donation_arrived_by_donor_province": gettext_lazy("Donations arrived from %(province)s"),
}
PAIR_LABELS = {
    "township_town": gettext_lazy("Townships paired with eastern towns"),
    "village_village": gettext_lazy("Villages paired with eastern villages"),
    "village_enterprise": gettext_lazy("Villages paired with enterprises"),
    "village_social_org": gettext_lazy("Villages paired with social organisations"),
    "school_school": gettext_lazy("Schools paired with eastern schools"),
    "medical_hospital": gettext_lazy("Medical institutions paired with eastern hospitals"),
}
# Figures of the last year of the period alone (what arrived "this year", and what it was for).
THIS_YEAR_FIGURES = {
    "fiscal_aid_arrived": (gettext_lazy("East–West fiscal aid arrived this year"), pgettext_lazy("unit", "yuan")),
    "industry_labour_share": (gettext_lazy("… share for industry and labour cooperation"), "%"),
}
PERSONS, YUAN, SHARE = pgettext_lazy("unit", "persons"), pgettext_lazy("unit", "yuan"), "%"
PERSON_TIMES = pgettext_lazy("unit", "person-times")
# Figures of the year's operational cards (card metric → key → label, unit): the second seed's paragraphs.
CARD_FIGURES = {
    "funds": {
        "share_fiscal_to_deep": (gettext_lazy("Share of central and provincial fiscal poverty funds to deep-poverty "
                                              "counties"), SHARE),
        "share_revolving_to_deep": (gettext_lazy("Share of revolving funds to deep-poverty counties"), SHARE),
        "share_relending_to_deep": (gettext_lazy("Share of re-lending to deep-poverty counties"), SHARE),
        "relending_increase_deep": (gettext_lazy("Increase of re-lending to deep-poverty counties"), YUAN),
        "designated_units_invested": (gettext_lazy("Funds put in by designated-assistance units"), YUAN),
    },
    "projects": {
        "share_returning_farmland_scale_to_deep": (gettext_lazy("Share of returning farmland to forest in "
                                                                "deep-poverty counties"), SHARE),
        "share_afforestation_scale_to_deep": (gettext_lazy("Share of afforestation in deep-poverty counties"), SHARE),
        "share_photovoltaic_scale_to_deep": (gettext_lazy("Share of the photovoltaic plan in deep-poverty counties"),
                                             SHARE),
        "share_housing_scale_to_deep": (gettext_lazy("Share of dilapidated-housing renovation in deep-poverty "
                                                     "counties"), SHARE),
        "central_unit_projects": (gettext_lazy("Projects of central designated-assistance units"),
                                  pgettext_lazy("unit", "projects")),
        "central_unit_project_funds_actual": (gettext_lazy("Funds brought in by central units' projects"), YUAN),
        "central_unit_beneficiary_persons": (gettext_lazy("Poor people benefiting from central units' projects"),
                                             PERSONS),
    },
    "assistance": {
        "ecological_persons": (gettext_lazy("Poor people with ecological income"), PERSONS),
        "deep_origin_villages": (gettext_lazy("Deep-poverty natural villages to be moved"),
                                 pgettext_lazy("unit", "villages")),
        "deep_origin_villages_started": (gettext_lazy("… relocation started"), pgettext_lazy("unit", "villages")),
        "deep_origin_villages_completed": (gettext_lazy("… relocation completed"), pgettext_lazy("unit", "villages")),
        "deep_origin_villages_reclaimed": (gettext_lazy("… demolished and reclaimed"),
                                           pgettext_lazy("unit", "villages")),
        "loans_amount": (gettext_lazy("Poverty microloans issued"), YUAN),
        "loans_households": (gettext_lazy("Poor households given microloans"), pgettext_lazy("unit", "households")),
    },
    "personnel": {
        "contact_leaders": (gettext_lazy("Leaders with contact villages"), PERSONS),
        "work_teams": (gettext_lazy("Village work teams"), pgettext_lazy("unit", "teams")),
        "team_members": (gettext_lazy("Work-team members"), PERSONS),
        "first_secretaries": (gettext_lazy("First secretaries"), PERSONS),
        "first_secretary_province_city_share_in_poor_counties": (gettext_lazy(
            "Share of first secretaries in poor counties sent by the province or prefecture"), SHARE),
        "central_unit_seconded_cadres": (gettext_lazy("Cadres seconded by central units"), PERSONS),
        "central_unit_training_person_times": (gettext_lazy("Trained by central units"), PERSON_TIMES),
        "central_unit_labour_transfers": (gettext_lazy("Moved into jobs through central units"), PERSON_TIMES),
        "vocational_trained_persons": (gettext_lazy("Poor labourers given free vocational training"), PERSONS),
        "vocational_budget": (gettext_lazy("Free vocational training funds"), YUAN),
        "labour_transfers": (gettext_lazy("Poor labourers moved into jobs"), PERSON_TIMES),
        "deep_county_min_provincial_leaders": (gettext_lazy("Provincial leaders per deep-poverty county (at least)"),
                                               PERSONS),
        "deep_county_min_provincial_units": (gettext_lazy("Provincial units per deep-poverty county (at least)"),
                                             pgettext_lazy("unit", "units")),
        "deep_county_max_provincial_units": (gettext_lazy("Provincial units per deep-poverty county (at most)"),
                                             pgettext_lazy("unit", "units")),
        "deep_county_min_professionals": (gettext_lazy("Professionals seconded per deep-poverty county (at least)"),
                                          PERSONS),
        "deep_county_min_finance_cadres": (gettext_lazy("Finance cadres seconded per deep-poverty county (at least)"),
                                           PERSONS),
        "deep_county_min_strong_counties": (gettext_lazy("Strong counties paired per deep-poverty county (at least)"),
                                            pgettext_lazy("unit", "counties")),
        "deep_county_min_universities": (gettext_lazy("Universities paired per deep-poverty county (at least)"),
                                         pgettext_lazy("unit", "universities")),
    },
}


def _record_figure(metric: str, item: dict, label, unit, period: str) -> Figure:
    return Figure(item["key"], f"{label} {period}", item["value"], str(unit),
                  {"metric": metric, **item["how"], "source": {"engine": "operational", "snapshot": "live",
                                                               "records": item["how"]["source"]}})


def _east_west(actor, code: str, start: datetime.date, end: datetime.date, *, whole: bool = False) -> list[Figure]:
    """The cooperation card's figures over the period (`whole`: all of them, else those a 成绩单 carries); those
    given by province or on both sides of a pairing are one figure each (`key.part`)."""
    card = east_west_card(actor=actor, area_code=code, start=start, end=end)
    period = f"{start:%Y-%m-%d}–{end:%Y-%m-%d}"
    names = dict(Area.objects.filter(level=Level.PROVINCE).values_list("code", "name"))
    labels = {**HELPING_FIGURES, **(EAST_WEST_ONLY if whole else {})}
    figures = []
    for item in card["figures"]:
        key = item["key"]
        if key in labels:
            figures.append(_record_figure("east_west", item, *labels[key], period))
        elif key == "eastern_helpers":
            for province, helpers in item["value"].items():
                name = names.get(province.ljust(CODE_LENGTH, "0"), province)
                figures.append(_record_figure("east_west", {**item, "key": f"{key}.{province}", "value": len(
                    helpers)}, _("Eastern helpers from %(province)s") % {"province": name}, AREAS_UNIT, period))
        elif key in BY_PROVINCE_FIGURES:
            for name, amount in item["value"].items():
                figures.append(_record_figure("east_west", {**item, "key": f"{key}.{name}", "value": amount},
                                              BY_PROVINCE_FIGURES[key] % {"province": name}, YUAN, period))
        elif key.startswith("pairs_"):
            label = PAIR_LABELS[key.removeprefix("pairs_")]
            for part, side in (("helped", _("helped")), ("helpers", _("helpers"))):
                figures.append(_record_figure("east_west", {**item, "key": f"{key}.{part}",
                                                            "value": item["value"][part]},
                                              f"{label} ({side})", pgettext_lazy("unit", "parties"), period))
    return figures


def _helping_side(actor, code: str, baseline: int, year: int, until: datetime.date) -> list[Figure]:
    figures = _east_west(actor, code, datetime.date(baseline, 1, 1), until)
    this_year = east_west_card(actor=actor, area_code=code, start=datetime.date(until.year, 1, 1), end=until)
    for item in this_year["figures"]:
        if item["key"] in THIS_YEAR_FIGURES:
            figures.append(_record_figure("east_west", {**item, "key": f"{item['key']}_this_year"},
                                          *THIS_YEAR_FIGURES[item["key"]], f"{until.year}-01-01–{until:%Y-%m-%d}"))
    for metric, wanted in CARD_FIGURES.items():
        for item in get_metric(metric).figures(actor=actor, area_code=code, year=year):
            if item["key"] in wanted:
                figures.append(_record_figure(metric, item, *wanted[item["key"]], str(year)))
    return figures


def east_west_report(*, actor, area_code: str, start: datetime.date, end: datetime.date) -> dict:
    """The East–West cooperation card of a helped area for a period on its own, in the 成绩单's shape (so it is
    written as md, xlsx, pdf or json by the same writers)."""
    area = Area.objects.get(code=stats_query(actor=actor, year=end.year, area_code=area_code).area.ljust(
        CODE_LENGTH, "0"))
    figures = _east_west(actor, area.code, start, end, whole=True)
    return {"area": {"code": area.code, "name": area.name, "level": area.level}, "year": end.year,
            "baseline": start.year, "generated_at": datetime.datetime.now(datetime.UTC).isoformat(),
            "title": _("East–West cooperation"), "figures": [{**asdict(f), "display": f.display} for f in figures],
            "by_ethnicity": []}


def _by_ethnicity(runner, actor, code, level, baseline, year, area_code) -> list[dict]:
    poor = get_metric("poor")
    exits = get_metric("exits")
    table: dict[str, dict] = {}

    def add(rows, column):
        for row in rows:
            if row["code"] == code:
                entry = table.setdefault(row["by"], {"ethnicity": row["by"], "label": _label(row["by"]),
                                                     "poor_baseline": 0, "poor_year": 0, "exited": 0})
                entry[column] += row["persons"]

    for when, column in ((baseline, "poor_baseline"), (year, "poor_year")):
        add(poor.compute(runner, stats_query(actor=actor, year=when, area_code=area_code, level=level,
                                             by="ethnicity")), column)
    for when in range(baseline, year + 1):
        add(exits.compute(runner, stats_query(actor=actor, year=when, area_code=area_code, level=level,
                                              by="ethnicity")), "exited")
    return sorted(table.values(), key=lambda e: (-e["poor_baseline"], e["ethnicity"]))


ETHNIC_GROUPS = json.loads((Path(__file__).resolve().parent / "data" / "ethnic_groups.json").read_text(
    encoding="utf-8"))["groups"]


def _group_population(area: Area, year: int, ethnicities: list[str]) -> dict[str, int]:
    """Each group's rural population in the area: its own row, else the rows of the shallowest level below that
    has any (so a province that records both prefectures and counties is not counted twice)."""
    rows = AreaEthnicPopulation.objects.filter(within_area("area_id", area), year=year, ethnicity__in=ethnicities)
    by_level: dict[str, dict[int, int]] = {}
    for code, ethnicity, population in rows.values_list("area_id", "ethnicity", "rural_population"):
        levels = by_level.setdefault(ethnicity, {})
        levels[level_of(code)] = levels.get(level_of(code), 0) + population
    return {ethnicity: levels[min(levels)] for ethnicity, levels in by_level.items()}


def _in_group_areas(village: str, prefixes: list[str]) -> bool:
    return any(village.startswith(prefix) for prefix in prefixes)


def _ethnic_groups(area: Area, baseline: int, year: int, ethnic: list[dict], source: dict) -> list[Figure]:
    """The figures of each group of ethnic groups its province reports on (ethnic_groups.json): its registered poor
    and incidence then and now (over the groups' own rural population), those who exited over the period, the poor
    villages of the groups' areas exited, and the groups that exited as a whole — a group whose incidence at the
    end of the year is below what a county of its province must reach to exit (the rules' county threshold for
    the province's region class)."""
    figures = []
    rows = {row["ethnicity"]: row for row in ethnic}
    province = area.code[:2]
    for group in ETHNIC_GROUPS:
        if province not in group["provinces"]:
            continue
        codes, key = group["ethnicities"], f"group_{group['code']}"
        name = localized(group["zh"], group["en"])
        how = {"metric": "poor", "filters": {"area": area.code, "by": "ethnicity", "ethnicities": codes,
                                             "years": [baseline, year]},
               "source": source, "denominator": "areas.areaethnicpopulation"}
        populations = {when: _group_population(area, when, codes) for when in (baseline, year)}
        for when, column in ((baseline, "poor_baseline"), (year, "poor_year")):
            poor = sum(rows.get(code, {}).get(column, 0) for code in codes)
            population = sum(populations[when].values())
            figures.append(Figure(f"{key}_poor_{when}", _("%(group)s: registered poor at the end of %(year)s") % {
                "group": name, "year": when}, poor, pgettext("unit", "persons"), how))
            figures.append(Figure(f"{key}_incidence_{when}", _("%(group)s: poverty incidence at the end of "
                                                               "%(year)s") % {"group": name, "year": when},
                                  poor / population if population else None, "%", how))
        figures.append(Figure(f"{key}_exited_persons", _("%(group)s: out of poverty %(first)s–%(last)s") % {
            "group": name, "first": baseline, "last": year}, sum(rows.get(c, {}).get("exited", 0) for c in codes),
            pgettext("unit", "persons"), {**how, "metric": "exits", "summed_over_years": True}))

        designated = designations_in_force([group["areas"]], year).filter(within_area("area_id", area))
        prefixes = sorted({code[:PREFIX_LENGTH[level_of(code)]] for code in designated.values_list(
            "area_id", flat=True)})
        exits = shown_exits("village", POOR_VILLAGE, area, baseline, year)
        exits = exits.within({village for village in exits.declared if _in_group_areas(village, prefixes)})
        figures.append(Figure(f"{key}_villages_exited", _("%(group)s: poor villages of their areas exited "
                                                          "%(first)s–%(last)s") % {
            "group": name, "first": baseline, "last": year},
            len(exits.shown), pgettext("unit", "villages"),
            {"metric": "area_exits", "filters": {"types": list(POOR_VILLAGE), "within": group["areas"],
                                                 "exit_years": [baseline, year], "area": area.code},
             "source": {"engine": "operational", "snapshot": "live"}, **exits.how()}))

        population = populations[year]
        region = Area.objects.filter(code=group["provinces"][0].ljust(CODE_LENGTH, "0")).values_list(
            "region_class", flat=True).first()
        threshold = YearPolicy.load(year).exit_threshold("county", region, group["provinces"][0]) if region else None
        whole = sorted(code for code in codes if threshold is not None and population.get(code)
                       and Decimal(rows.get(code, {}).get("poor_year", 0)) / population[code] < threshold)
        figures.append(Figure(f"{key}_exited_as_whole", _("%(group)s: groups out of poverty as a whole") % {
            "group": name}, len(whole), pgettext("unit", "groups"),
            {"metric": "poor", "filters": {"area": area.code, "year": year, "by": "ethnicity",
                                           "incidence_below": float(threshold) if threshold is not None else None,
                                           "threshold": f"exit_threshold county/{region}"},
             "groups": [ETHNICITY.label(code) for code in whole], "source": source}))
    return figures


def _label(code: str) -> str:
    return ETHNICITY.label(code) if code in ETHNICITY.values else (code or _("not recorded"))


def as_markdown(card: dict) -> str:
    lines = [f"# {card['area']['name']} {card.get('title') or _('report card')} {card['year']}", "",
             f"| {_('Figure')} | {_('Value')} | {_('How it was computed')} |", "|---|---|---|"]
    for figure in card["figures"]:
        how = figure["how"]
        source = how.get("source", {})
        lines.append(f"| {figure['label']} | {figure['display']} | {how['metric']} · {source.get('engine', '')} · "
                     f"{source.get('snapshot', '')} |")
    if card["by_ethnicity"]:
        baseline, year = card["baseline"], card["year"]
        lines += ["", f"## {_('By ethnic group')}", "",
                  f"| {_('Ethnic group')} | {_('Poor')} {baseline} | {_('Poor')} {year} | {_('Exited')} |",
                  "|---|---|---|---|"]
        for row in card["by_ethnicity"]:
            lines.append(f"| {row['label']} | {row['poor_baseline']} | {row['poor_year']} | {row['exited']} |")
    return "\n".join(lines) + "\n"


def write_xlsx(card: dict, path) -> None:
    book = workbook(path)
    bold = book.add_format({"bold": True})
    sheet = add_sheet(book, _("report card"))
    for column, title in enumerate([_("Figure"), _("Value"), _("Unit"), _("How it was computed")]):
        write_cell(sheet, 0, column, title, bold)
    for row, figure in enumerate(card["figures"], start=1):
        write_cell(sheet, row, 0, figure["label"])
        if figure["value"] is not None:
            sheet.write_number(row, 1, figure["value"])
        write_cell(sheet, row, 2, figure["unit"])
        write_cell(sheet, row, 3, f"{figure['how']['metric']} {figure['how']['filters']}")
    sheet.set_column(0, 0, 40)
    sheet.set_column(3, 3, 60)
    ethnic = add_sheet(book, _("By ethnic group"))
    baseline, year = card["baseline"], card["year"]
    for column, title in enumerate([_("Ethnic group"), f"{_('Poor')} {baseline}", f"{_('Poor')} {year}",
                                    _("Exited")]):
        write_cell(ethnic, 0, column, title, bold)
    for row, item in enumerate(card["by_ethnicity"], start=1):
        write_cells(ethnic, row, 0, [item["label"], item["poor_baseline"], item["poor_year"], item["exited"]])
    book.close()


def render_pdf(card: dict) -> bytes:
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from fupin.workflows.notices import FONTS

    html = render_to_string("analytics/report_card.html", {"card": card, "fonts": FONTS})
    return HTML(string=html).write_pdf()
