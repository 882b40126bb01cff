"""The evaluations of DOMAIN_RULES §2, §4 and §5, each written once and run in sets: the CLI, the API, the
procedures and the statistics engine all call these.

Households are judged on their year-Y record; villages and counties on poor persons (household sizes at year
end of households whose year-Y status is poor) over the rural registered population of year Y (`AreaYear`).
Comparisons are exact: an incidence must be *strictly* below its threshold, an income *strictly* above the line.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area, AreaYear
from fupin.areas.selectors import designations_in_force
from fupin.core import areacodes as codes
from fupin.core.sql import chunked
from fupin.core.temporal import months_between
from fupin.registry import codelists as cl
from fupin.registry.models import Household, HouseholdYear, Member
from fupin.registry.validation import INDICATORS  # the 两不愁三保障 + water indicators, in their order

from .policy import YearPolicy

POOR_COUNTY_DESIGNATIONS = ("poor_county", "key_county", "contiguous_area_county")
POOR_VILLAGE_DESIGNATIONS = ("poor_village",)


def _plain(value):
    return str(value) if isinstance(value, Decimal) else value


@dataclass
class Reason:
    """A condition that failed, with the values it compared."""

    condition: str
    message: object
    params: dict = field(default_factory=dict)
    value: object = None
    threshold: object = None

    def as_dict(self) -> dict:
        text = str(self.message) % self.params if self.params else str(self.message)
        return {"condition": self.condition, "message": text, "value": _plain(self.value),
                "threshold": _plain(self.threshold)}


@dataclass
class HouseholdVerdict:
    household_id: int
    number: str
    area_code: str
    year: int
    eligible: bool
    reasons: list[Reason]
    category: str = ""  # monitoring only

    def as_dict(self, name: str = "") -> dict:
        data = {"code": self.number, "name": name, "level": "household", "year": self.year,
                "eligible": self.eligible, "reasons": [r.as_dict() for r in self.reasons]}
        if self.category:
            data["category"] = self.category
        return data


@dataclass
class AreaVerdict:
    code: str
    name: str
    level: str
    year: int
    eligible: bool
    incidence: float | None
    poor: int
    population: int | None
    threshold: Decimal | None
    reasons: list[Reason]

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level, "year": self.year,
                "eligible": self.eligible, "incidence": self.incidence, "poor": self.poor,
                "population": self.population, "reasons": [r.as_dict() for r in self.reasons]}


# Households ------------------------------------------------------------------------------------------------------
YEAR_COLUMNS = ("household_id", "household__number", "household__area_id", "household__identified_year",
                "household__return_year", "household__status", "net_income_per_capita", "net_income",
                "compliant_out_of_pocket", "size_end", "status", *INDICATORS)


EXIT_COLUMNS = ("household_id", "household__number", "household__area_id", "household__identified_year",
                "household__return_year", "net_income_per_capita", *INDICATORS)


def _year_rows(year: int, households: QuerySet[Household] | None, columns=YEAR_COLUMNS, **filters) -> Iterator[dict]:
    rows = HouseholdYear.objects.filter(year=year, **filters)
    if households is not None:
        rows = rows.filter(household__in=households.values("pk"))
    for values in rows.values_list(*columns).order_by("household_id").iterator(chunk_size=20000):
        yield dict(zip(columns, values, strict=True))


def _income_not_entered(condition: str, year: int) -> Reason:
    """An income nobody has entered (a year opened by the roll-forward) is unknown: a rule that needs it is not
    met because it cannot be evaluated, whichever way it would go — never judged as an income of 0."""
    return Reason(condition, _("Per-capita net income for %(year)s has not been entered: the rule cannot be "
                               "evaluated."), {"year": year})


def _indicator_reasons(row: dict, conditions: list[str]) -> list[Reason]:
    reasons = []
    for name, label in INDICATORS.items():
        if name in conditions and row[name] is not True:
            reasons.append(Reason(name, _("%(indicator)s: not met") if row[name] is False
                                  else _("%(indicator)s: not assessed"), {"indicator": label}, row[name], True))
    return reasons


def household_exit_reasons(row: dict, year: int, conditions: list[str], line: Decimal | None) -> list[Reason]:
    """Why a household may not exit in `year` (empty: it may), given the province's conditions and line.
    `row` holds the EXIT_COLUMNS values."""
    reasons = []
    if "income_above_line" in conditions:
        income = row["net_income_per_capita"]
        if line is None:
            reasons.append(Reason("income_above_line", _("No poverty line is set for %(year)s."), {"year": year}))
        elif income is None:
            reasons.append(_income_not_entered("income_above_line", year))
        elif income <= line:
            reasons.append(Reason("income_above_line",
                                  _("Per-capita net income %(income)s is not above the line %(line)s."),
                                  {"income": income, "line": line}, income, line))
    reasons += _indicator_reasons(row, conditions)
    if "not_identified_same_year" in conditions and row["household__identified_year"] == year:
        reasons.append(Reason("not_identified_same_year", _("Identified this year: cannot exit in the same year."),
                              value=row["household__identified_year"]))
    if "not_returned_same_year" in conditions and row["household__return_year"] == year:
        reasons.append(Reason("not_returned_same_year", _("Returned to poverty this year: cannot exit this year."),
                              value=row["household__return_year"]))
    return reasons


def household_exits(*, year: int, households: QuerySet[Household] | None = None,
                    policy: YearPolicy | None = None) -> Iterator[HouseholdVerdict]:
    """Exit eligibility of every household that is poor at the end of `year` (in `households`, if given)."""
    policy = policy or YearPolicy.load(year)
    provinces: dict[str, tuple[list[str], Decimal | None]] = {}
    for row in _year_rows(year, households, EXIT_COLUMNS, status__in=cl.POOR_STATUSES):
        province = row["household__area_id"][:2]
        if province not in provinces:  # looked up once per province, not per household
            provinces[province] = (policy.exit_conditions(province), policy.line(province))
        reasons = household_exit_reasons(row, year, *provinces[province])
        yield HouseholdVerdict(row["household_id"], row["household__number"], row["household__area_id"], year,
                               not reasons, reasons)


def household_identifications(*, year: int, households: QuerySet[Household] | None = None,
                              policy: YearPolicy | None = None) -> Iterator[HouseholdVerdict]:
    """Identification eligibility: per-capita income at or under the working line of the year. Failed
    两不愁三保障 indicators are listed as supporting reasons either way."""
    policy = policy or YearPolicy.load(year)
    for row in _year_rows(year, households):
        province = row["household__area_id"][:2]
        line = policy.line(province)
        income = row["net_income_per_capita"]
        reasons = []
        eligible = line is not None and income is not None and income <= line
        if income is None:
            reasons.append(_income_not_entered("income_at_or_below_line", year))
        elif not eligible:
            reasons.append(Reason("income_at_or_below_line",
                                  _("Per-capita net income %(income)s is above the line %(line)s."),
                                  {"income": income, "line": line}, income, line))
        reasons += _indicator_reasons(row, list(INDICATORS))
        yield HouseholdVerdict(row["household_id"], row["household__number"], row["household__area_id"], year,
                               eligible, reasons)


# Monitoring (2021+) -----------------------------------------------------------------------------------------------
def monitoring_category(row: dict, policy: YearPolicy) -> tuple[str, list[Reason]]:
    """The monitoring-object category of DOMAIN_RULES §5.2 for a household-year, or "" if none applies.

    1 脱贫不稳定户: out of poverty, per-capita income within the province's range (at or under it);
    2 边缘易致贫户: never registered poor, income within the range;
    3 突发严重困难户: income above the range, but after compliant out-of-pocket spending (medical, schooling)
      what is left per person is within it.
    """
    province = row["household__area_id"][:2]
    threshold = policy.monitoring_threshold(province)
    if threshold is None:
        return "", [Reason("monitoring_threshold", _("No monitoring threshold is set for %(year)s."),
                           {"year": policy.year})]
    income = row["net_income_per_capita"]
    if income is None:  # not entered: no category by income or by spending until it is
        return "", [_income_not_entered("income_within_range", policy.year)]
    status = row["household__status"]
    within = income <= threshold
    if within and status in cl.EXITED_STATUSES:
        return "1", [Reason("income_within_range", _("Per-capita net income %(income)s is within the monitoring "
                                                     "range (%(threshold)s)."),
                            {"income": income, "threshold": threshold}, income, threshold)]
    if within and status == cl.ORDINARY:
        return "2", [Reason("income_within_range", _("Per-capita net income %(income)s is within the monitoring "
                                                     "range (%(threshold)s)."),
                            {"income": income, "threshold": threshold}, income, threshold)]
    size = row["size_end"] or 1
    left = ((row["net_income"] or Decimal("0")) - (row["compliant_out_of_pocket"] or Decimal("0"))) / size
    if status in cl.EXITED_STATUSES | {cl.ORDINARY} and not within and left <= threshold:
        return "3", [Reason("expenditure_within_range",
                            _("After compliant out-of-pocket spending %(left)s per person is within the monitoring "
                              "range (%(threshold)s)."),
                            {"left": left.quantize(Decimal("0.01")), "threshold": threshold},
                            left.quantize(Decimal("0.01")), threshold)]
    return "", []


def monitoring_categories(*, year: int, households: QuerySet[Household] | None = None,
                          policy: YearPolicy | None = None) -> Iterator[HouseholdVerdict]:
    """The households of `year` that fall into a monitoring category."""
    policy = policy or YearPolicy.load(year)
    statuses = cl.EXITED_STATUSES | {cl.ORDINARY}
    for row in _year_rows(year, households, household__status__in=statuses):
        category, reasons = monitoring_category(row, policy)
        if category:
            yield HouseholdVerdict(row["household_id"], row["household__number"], row["household__area_id"], year,
                                   True, reasons, category)


def risk_elimination(*, household: Household, year: int, as_of, policy: YearPolicy | None = None) -> list[Reason]:
    """Why a monitored household's risk may not be marked eliminated on `as_of` (empty: it may). DOMAIN_RULES
    §5.2: stable income above the range for at least the set months since identification, spending under
    control, 三保障 and drinking water secure — and never for a household with no labour capacity at all."""
    policy = policy or YearPolicy.load(year)
    province = household.area_id[:2]
    reasons: list[Reason] = []
    labour = list(Member.objects.filter(household=household, is_active=True).values_list("labour", flat=True))
    if labour and all(value in cl.NO_LABOUR for value in labour):
        reasons.append(Reason("whole_household_no_labour",
                              _("No member can work: keep monitoring after social security is in place.")))
    months = policy.parameter("elimination_min_stable_months", province)
    if household.monitoring_since is None:
        reasons.append(Reason("stable_months", _("The household has no monitoring start date.")))
    elif months is not None:
        elapsed = months_between(household.monitoring_since, as_of)  # 08-31 → 02-28 is six whole months
        if elapsed < months:
            reasons.append(Reason("stable_months", _("Monitored for %(elapsed)s months; at least %(months)s needed."),
                                  {"elapsed": elapsed, "months": int(months)}, elapsed, int(months)))
    row = next(_year_rows(year, Household.objects.filter(pk=household.pk)), None)
    if row is None:
        reasons.append(Reason("year_record", _("There is no record for %(year)s."), {"year": year}))
        return reasons
    category, _found = monitoring_category(row, policy)
    threshold = policy.monitoring_threshold(province)
    income = row["net_income_per_capita"]
    if income is None:
        reasons.append(_income_not_entered("income_above_range", year))
    elif threshold is not None and income <= threshold:
        reasons.append(Reason("income_above_range", _("Per-capita net income %(income)s is not above the range "
                                                      "%(threshold)s."),
                              {"income": income, "threshold": threshold}, income, threshold))
    elif category == "3":
        reasons.append(Reason("expenditure_under_control", _("Compliant out-of-pocket spending still leaves the "
                                                             "household within the range.")))
    reasons += _indicator_reasons(row, list(INDICATORS))
    return reasons


# Villages and counties ----------------------------------------------------------------------------------------------
def _within(queryset: QuerySet, area: Area | None, field: str) -> QuerySet:
    if area is None:
        return queryset
    low, high = area.subtree_bounds
    return queryset.filter(**{f"{field}__gte": low, f"{field}__lte": high})


def area_exits(*, level: str, year: int, visible: QuerySet[Area], within: Area | None = None,
               policy: YearPolicy | None = None) -> list[AreaVerdict]:
    """Exit eligibility of the poor villages (designated, or with registered households in `year`) or the
    designated poor counties, among the `visible` areas, optionally under `within`."""
    policy = policy or YearPolicy.load(year)
    if level == "village":
        designated = set(_within(designations_in_force(POOR_VILLAGE_DESIGNATIONS, year), within, "area_id")
                         .values_list("area_id", flat=True))
        # One grouped pass gives every village with households in the year and its poor persons.
        poor_persons = Sum(Case(When(status__in=cl.POOR_STATUSES, then="size_end"), default=Value(0)))
        poor_rows = HouseholdYear.objects.filter(year=year).values_list("household__area_id").annotate(n=poor_persons)
        poor = dict(_within(poor_rows, within, "household__area_id"))
        unit_codes = designated | set(poor)
    else:
        unit_codes = set(_within(designations_in_force(POOR_COUNTY_DESIGNATIONS, year), within, "area_id")
                         .filter(area__level=codes.Level.COUNTY).values_list("area_id", flat=True))
        poor_rows = (HouseholdYear.objects.filter(year=year, status__in=cl.POOR_STATUSES)
                     .values_list("household__county_code").annotate(n=Sum("size_end")))
        poor = {code.ljust(codes.CODE_LENGTH, "0"): n for code, n in _within(poor_rows, within, "household__area_id")}
    units = {}
    for chunk in chunked(sorted(unit_codes), 500):
        units.update((a.code, a) for a in visible.filter(code__in=chunk))
    return judge_areas(level=level, year=year, units=units, poor=poor, policy=policy)


def judge_areas(*, level: str, year: int, units: dict[str, Area], poor: dict[str, int],
                policy: YearPolicy | None = None) -> list[AreaVerdict]:
    """The verdicts of villages or counties given their poor persons (however they were counted: the ORM here,
    the statistics engine in sets elsewhere)."""
    policy = policy or YearPolicy.load(year)
    population = _population(units, year, level)
    collective = _collective_incomes(units, year) if level == "village" else {}
    regions = dict(Area.objects.filter(level=codes.Level.PROVINCE, code__in={a.province_code for a in units.values()})
                   .values_list("code", "region_class"))
    verdicts = []
    for code, area in sorted(units.items()):
        province = code[:2]
        region = regions.get(area.province_code, "")
        threshold = policy.exit_threshold(level, region, province) if region else None
        persons = int(poor.get(code, 0) or 0)
        people = population.get(code)
        reasons = []
        incidence = None
        if people:
            incidence = persons / people
        if not people:
            reasons.append(Reason("population", _("No rural population is recorded for %(year)s."), {"year": year}))
        if threshold is None:
            reasons.append(Reason("threshold", _("No exit threshold applies (region class “%(region)s”)."),
                                  {"region": region}))
        elif people and Decimal(persons) >= threshold * people:
            reasons.append(Reason("incidence_below_threshold",
                                  _("Incidence %(incidence)s is not below %(threshold)s."),
                                  {"incidence": f"{incidence:.4%}", "threshold": f"{threshold:.2%}"},
                                  incidence, threshold))
        minimum = policy.parameter("village_collective_income_min", province) if level == "village" else None
        if minimum is not None and (collective.get(code) is None or collective[code] < minimum):
            # An extra criterion a province may set (DOMAIN_RULES §4.2 统筹考虑集体经济收入).
            reasons.append(Reason("collective_income", _("Village collective income %(income)s is below %(minimum)s."),
                                  {"income": collective.get(code), "minimum": minimum}, collective.get(code), minimum))
        verdicts.append(AreaVerdict(code, area.name, level, year, not reasons, incidence, persons, people, threshold,
                                    reasons))
    return verdicts


# Areas read per query: a country's 620,000 villages in 125 queries rather than 1,250.
AREA_CHUNK = 5000


def _collective_incomes(units: dict[str, Area], year: int) -> dict[str, Decimal]:
    incomes: dict[str, Decimal] = {}
    for chunk in chunked(sorted(units), AREA_CHUNK):
        incomes.update(AreaYear.objects.filter(year=year, area_id__in=chunk, collective_income__isnull=False)
                       .values_list("area_id", "collective_income"))
    return incomes


def _population(units: dict[str, Area], year: int, level: str) -> dict[str, int]:
    """Each unit's own AreaYear row, or for a county without one the sum of its villages' rows."""
    population: dict[str, int] = {}
    for chunk in chunked(sorted(units), AREA_CHUNK):
        population.update(AreaYear.objects.filter(year=year, area_id__in=chunk)
                          .values_list("area_id", "rural_population"))
    missing = [code for code in units if code not in population]
    if level == "county" and missing:
        sums = (AreaYear.objects.filter(year=year, area__level=codes.Level.VILLAGE)
                .annotate(county=Substr("area_id", 1, 6)).values_list("county").annotate(n=Sum("rural_population")))
        wanted = {code[:6] for code in missing}
        for county, n in sums:
            if county in wanted:
                population[county.ljust(codes.CODE_LENGTH, "0")] = n
    return population
