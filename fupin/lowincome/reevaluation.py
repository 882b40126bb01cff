"""The yearly re-evaluation (issue 26 item 2): every person with an economic check for the year against every
tested category, set-based — one SQL statement compares the tests with the memberships in force at the year's end,
whatever the number of people (the same statement runs on PostgreSQL, SQLite and, for the benchmark, DuckDB).

The tests (the structure is national policy; every threshold is a Parameter of the year and county):
- 低保: income per head < dibao_line, property test passed;
- 低保边缘: dibao_line ≤ income per head < edge_line (1.5 × the 低保 standard), property test passed;
- 刚性支出困难: edge_line ≤ income per head < rigid_income_line (last year's per-capita disposable income),
  property test passed, medical + education spending > rigid_spending_share × household income;
- 防止返贫致贫对象: income per head ≤ monitoring_line (监测范围: "at or under", as rules.MonitoringThreshold).
特困 and 其他 are decided by their departments' procedures alone, so the re-evaluation neither adds nor removes them.

Households of the 建档立卡 registry on no department list (no person of theirs checked in the year) are tested on
the registry's record of the year (income per head, year-end size, compliant out-of-pocket spending; the property
test, which the registry does not hold, taken as passed), each standing as its head's person in the register.

A person who meets a test and is not in the category "should enter"; one in it who no longer meets it "should
leave". The findings are kept per (year, area) as the list the office acts on; a re-run replaces the open ones and
keeps those already acted on or dismissed."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.audit.services import audit_record
from fupin.core import areacodes
from fupin.core.errors import ServiceError, ValidationFailed
from fupin.core.temporal import today
from fupin.registry.models import HouseholdYear, Member

from . import codelists as cl
from . import parameters
from .models import Change, Finding, FindingStatus, Person, Reevaluation
from .services import CASE_PROCEDURES, REEVALUATED, finding_open_case, finding_procedure, person_find_or_create

# What each tested category's rule says, and the threshold its values name.
RULES = {
    "dibao": (_("income per head below the dibao line, property test passed"), "dibao_line"),
    "edge": (_("income per head from the dibao line up to below 1.5 × it (edge line), property test passed"),
             "edge_line"),
    "rigid": (_("income per head from the edge line up to below last year's per-capita disposable income, property "
                "test passed, medical and education spending above the local share of household income"),
              "rigid_income_line"),
    "monitoring": (_("income per head at or under the monitoring range"), "monitoring_line"),
}
COLUMNS = ("person_id", "area_id", "category", "change", "income_per_capita",
           "household_size", "property_passed", "spending", "dibao_line", "edge_line", "rigid_income_line",
           "rigid_spending_share", "monitoring_line", "household_id")


@dataclass(frozen=True)
class Tables:
    persons: str = "lowincome_person"
    checks: str = "lowincome_economiccheck"
    memberships: str = "lowincome_categorymembership"
    # The 建档立卡 registry's households and their yearly records: households on no department list (no person
    # of theirs checked in the year) are tested on the registry's income per head. Empty: not read.
    households: str = ""
    household_years: str = ""


REGISTRY = Tables(households="registry_household", household_years="registry_householdyear")
REMOVED = "9"  # 注销: a household removed from the registry is not tested


def _number(value: Decimal) -> str:
    return format(Decimal(value), "f")


def diff_sql(*, year: int, as_of: datetime.date, lines: dict[str, dict[str, Decimal]], low: str, high: str,
             tables: Tables = Tables()) -> str:
    """The statement giving one row per (person, category) where the tests and the memberships disagree. `lines`:
    county code → threshold code → value. Every value inlined is a number, a digit string or a date the caller
    made, never user text."""
    assert all(code.isdigit() for code in lines) and low.isdigit() and high.isdigit()
    values = ", ".join(
        f"('{county}', {', '.join(_number(line[code]) for code in parameters.THRESHOLDS)})"
        for county, line in sorted(lines.items()))
    day = as_of.isoformat()
    categories = list(RULES)
    held = ",\n".join(f"MAX(CASE WHEN category = '{code}' THEN 1 ELSE 0 END) AS held_{code}" for code in categories)
    listed = ", ".join(f"'{code}'" for code in categories)

    def in_force(alias: str = "") -> str:
        return (f"{alias}identified_on <= '{day}' AND ({alias}ends_on IS NULL OR {alias}ends_on > '{day}') "
                f"AND {alias}category IN ({listed})")

    # The registry's households on no list: tested on the year's record (income per head, year-end size, the
    # compliant out-of-pocket spending); the property test is not in the registry, so it is taken as passed
    # (the department's check verifies it in the procedure). A household holds a category when a person of the
    # register linked to it does; it holds monitoring also as the registry's monitoring object with the risk not
    # eliminated.
    household_held = ", ".join(f"COALESCE(mh.held_{code}, 0) AS held_{code}" for code in categories
                               if code != "monitoring")
    registry = "" if not tables.households else f"""
    UNION ALL
        SELECT CAST(NULL AS BIGINT) AS person_id, h.area_id, y.net_income_per_capita AS inc, y.size_end AS size,
               TRUE AS prop, y.compliant_out_of_pocket AS spend,
               t.dibao_line, t.edge_line, t.rigid_income_line, t.rigid_spending_share, t.monitoring_line,
               {household_held},
               CASE WHEN h.monitoring_category <> '' AND h.risk_status = '1'
                         AND (h.monitoring_since IS NULL OR h.monitoring_since <= '{day}') THEN 1
                    ELSE COALESCE(mh.held_monitoring, 0) END AS held_monitoring,
               h.id AS household_id
        FROM {tables.household_years} y
        JOIN {tables.households} h ON h.id = y.household_id
        JOIN t ON t.county = substr(h.area_id, 1, 6)
        LEFT JOIN (
            SELECT p.household_id, {held.replace("category", "ms.category")}
            FROM {tables.memberships} ms JOIN {tables.persons} p ON p.id = ms.person_id
            WHERE p.household_id IS NOT NULL AND {in_force("ms.")}
            GROUP BY p.household_id
        ) mh ON mh.household_id = h.id
        WHERE y.year = {int(year)} AND h.status <> '{REMOVED}' AND h.area_id >= '{low}' AND h.area_id <= '{high}'
          AND NOT EXISTS (SELECT 1 FROM {tables.checks} c2 JOIN {tables.persons} p2 ON p2.id = c2.person_id
                          WHERE c2.year = {int(year)} AND p2.household_id = h.id)"""
    picks = " ".join(f"WHEN '{code}' THEN {{prefix}}{code}" for code in categories)
    # One pass over the people: each person's tests and the categories they hold side by side (memberships
    # pivoted per person), then the four categories as rows (a cross join with a four-row list), kept where the
    # test and the holding disagree — no per-category rescans, so the cost grows with the people once.
    return f"""
    WITH t (county, {', '.join(parameters.THRESHOLDS)}) AS (VALUES {values}),
    m AS (
        SELECT person_id, {held}
        FROM {tables.memberships}
        WHERE {in_force()}
        GROUP BY person_id
    ),
    f AS (
        SELECT c.person_id, p.area_id, c.income_per_capita AS inc, c.household_size AS size,
               c.property_passed AS prop, c.medical_spending + c.education_spending AS spend,
               t.dibao_line, t.edge_line, t.rigid_income_line, t.rigid_spending_share, t.monitoring_line,
               {', '.join(f"COALESCE(m.held_{code}, 0) AS held_{code}" for code in categories)},
               CAST(NULL AS BIGINT) AS household_id
        FROM {tables.checks} c
        JOIN {tables.persons} p ON p.id = c.person_id
        JOIN t ON t.county = substr(p.area_id, 1, 6)
        LEFT JOIN m ON m.person_id = c.person_id
        WHERE c.year = {int(year)} AND p.area_id >= '{low}' AND p.area_id <= '{high}'{registry}
    ),
    e AS (
        SELECT f.*,
            CASE WHEN prop = TRUE AND inc < dibao_line THEN 1 ELSE 0 END AS meets_dibao,
            CASE WHEN prop = TRUE AND inc >= dibao_line AND inc < edge_line THEN 1 ELSE 0 END AS meets_edge,
            CASE WHEN prop = TRUE AND inc >= edge_line AND inc < rigid_income_line
                      AND spend > rigid_spending_share * inc * size THEN 1 ELSE 0 END AS meets_rigid,
            CASE WHEN inc <= monitoring_line THEN 1 ELSE 0 END AS meets_monitoring
        FROM f
    ),
    k (category) AS (VALUES {', '.join(f"('{code}')" for code in categories)}),
    d AS (
        SELECT e.*, k.category,
               CASE k.category {picks.format(prefix="meets_")} END AS meets,
               CASE k.category {picks.format(prefix="held_")} END AS held
        FROM e CROSS JOIN k
    )
    SELECT person_id, area_id, category,
           CASE WHEN meets = 1 THEN 'enters' ELSE 'leaves' END AS change, inc, size, prop, spend, dibao_line,
           edge_line, rigid_income_line, rigid_spending_share, monitoring_line, household_id
    FROM d
    WHERE meets <> held"""


def as_of(year: int) -> datetime.date:
    """The memberships compared are those in force at the year's end (today, for the current year)."""
    return min(datetime.date(year, 12, 31), today())


def _counties(area: Area, year: int) -> tuple[list[str], list[str]]:
    """The counties of the area with people of the register, and those with only registry households recorded in
    the year (tested when their thresholds are set, skipped otherwise)."""
    if area.level >= areacodes.Level.COUNTY:
        listed = [area.code[:6]]
    else:
        low, high = areacodes.code_range(area.prefix)
        listed = list(Person.objects.filter(area_id__gte=low, area_id__lte=high).annotate(
            county=Substr("area_id", 1, 6)).values_list("county", flat=True).distinct())
    low, high = areacodes.code_range(area.prefix)
    registry = set(HouseholdYear.objects.filter(
        year=year, household__area_id__gte=low, household__area_id__lte=high).annotate(
        county=Substr("household__area_id", 1, 6)).values_list("county", flat=True).distinct())
    return listed, sorted(registry - set(listed))


def differences(*, year: int, area: Area) -> tuple[list[dict], dict[str, dict], dict[str, dict]]:
    """The disagreements of the area for the year (rows of COLUMNS), each county's thresholds, and their
    provenance. A county of people on a list needs every threshold set (refused otherwise); one with registry
    households only is tested when they are."""
    listed, registry_only = _counties(area, year)
    resolved = parameters.resolvers(year, [*listed, *registry_only])
    lines, provenance = {}, {}
    for county, resolver in resolved.items():
        try:
            found = {code: resolver.value(code) for code in parameters.THRESHOLDS}
        except ValidationFailed:
            if county in registry_only:
                continue
            raise
        lines[county] = {code: value.amount for code, value in found.items()}
        provenance[county] = {code: value.provenance() for code, value in found.items()}
    if not lines:
        return [], {}, {}
    low, high = areacodes.code_range(area.prefix)
    with connection.cursor() as cursor:
        cursor.execute(diff_sql(year=year, as_of=as_of(year), lines=lines, low=low, high=high, tables=REGISTRY))
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    return rows, lines, provenance


CENT = Decimal("0.01")


def _money(value) -> str:
    return _number(Decimal(str(value)).quantize(CENT))


def _values(row: dict, line: dict[str, Decimal]) -> dict:
    """What a finding keeps: the values compared, amounts as text to the fen (the same on every database), and the
    thresholds of the person's county."""
    size, income = int(row["household_size"]), Decimal(str(row["income_per_capita"]))
    share = line["rigid_spending_share"]
    from_registry = row.get("household_id") is not None
    return {
        "income_per_capita": _money(income), "household_size": size,
        # The registry holds no property test: not known (None), taken as passed by the test.
        "property_passed": None if from_registry else bool(row["property_passed"]),
        "spending": _money(row["spending"]),
        "source": "registry" if from_registry else "check",
        "spending_limit": _money(share * income.quantize(CENT) * size),
        **{code: _money(line[code]) for code in parameters.THRESHOLDS if code != "rigid_spending_share"},
        "rigid_spending_share": _number(share.normalize()),
        "threshold": RULES[row["category"]][1],
    }


def _registry_people(actor, household_ids: set[int]) -> dict[int, int]:
    """The register's person standing for each registry household on no list: a person already linked to it,
    else its head (else another member) with an ID number, entered in the register linked to the member.
    Households whose members have no ID number are left out."""
    people = {}
    for person_id, household_id in Person.objects.filter(household_id__in=household_ids).order_by(
            "household_id", "member__relation", "id").values_list("id", "household_id"):
        people.setdefault(household_id, person_id)
    members = Member.objects.filter(household_id__in=household_ids - set(people), is_active=True,
                                    id_number__isnull=False).exclude(id_number="").order_by(
        "household_id", "relation", "id")
    for member in members:
        if member.household_id not in people:
            people[member.household_id] = person_find_or_create(actor=actor, id_number=member.id_number,
                                                                name=member.name).pk
    return people


def open_finding_cases(*, actor, run: Reevaluation) -> dict[str, int]:
    """Open the procedure of every open finding of the run that one here acts on; each refusal (a person outside
    the registry, a case the rules refuse) leaves its finding open. Findings that opened one already are not
    counted again (a finding opens at most one case)."""
    require(actor, Action.CHANGE, run.area_id)
    opened = refused = 0
    for finding in run.findings.filter(status=FindingStatus.OPEN, category__in=[
            category for category, _change in CASE_PROCEDURES]).select_related("person").order_by("id"):
        if finding_procedure(finding) is None:
            continue
        try:
            with transaction.atomic():
                finding_open_case(actor=actor, finding=finding)
            opened += 1
        except ServiceError:
            refused += 1
    return {"opened": opened, "refused": refused}


def reevaluate(*, actor, year: int, area_code: str, open_cases: bool | None = None) -> Reevaluation:
    """Run the re-evaluation of the area for the year and keep its findings (open ones replaced; those acted on
    or dismissed kept). Refused when a threshold is not set for a county of the area. Registry households on no
    list are tested on the registry's record, each standing as the person of its head. With `open_cases` (default:
    the setting LOWINCOME_OPEN_CASES, off), the findings a procedure here acts on open their cases."""
    if open_cases is None:
        open_cases = getattr(settings, "LOWINCOME_OPEN_CASES", False)
    try:
        code = areacodes.normalise_code(area_code)
    except ValueError:
        raise ValidationFailed(_("No area has the code %(code)s."), field="area", code=area_code) from None
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise ValidationFailed(_("No area has the code %(code)s."), field="area", code=area_code)
    if not 2021 <= year <= today().year:
        raise ValidationFailed(_("The year %(year)s is outside 2021 to this year."), field="year", year=year)
    require(actor, Action.CHANGE, area.code)
    rows, lines, provenance = differences(year=year, area=area)
    with transaction.atomic():
        run, _created = Reevaluation.objects.select_for_update().get_or_create(year=year, area=area,
                                                                               defaults={"run_by": actor})
        run.findings.filter(status=FindingStatus.OPEN).delete()
        standing = _registry_people(actor, {row["household_id"] for row in rows if row["household_id"]})
        for row in rows:
            if row["household_id"] is not None:
                row["person_id"] = standing.get(row["household_id"])
        unlinked = sum(1 for row in rows if row["person_id"] is None)
        rows = [row for row in rows if row["person_id"] is not None]
        settled = set(run.findings.values_list("person_id", "category"))
        Finding.objects.bulk_create(
            Finding(reevaluation=run, person_id=row["person_id"], category=row["category"], change=row["change"],
                    values=_values(row, lines[row["area_id"][:6]]))
            for row in rows if (row["person_id"], row["category"]) not in settled)
        counts = {f"{category}_{change}": 0 for category in RULES for change in Change.values}
        for row in rows:
            counts[f"{row['category']}_{row['change']}"] += 1
        counts["from_registry"] = sum(1 for row in rows if row["household_id"] is not None)
        counts["registry_without_id_number"] = unlinked
        if open_cases:
            counts["cases"] = open_finding_cases(actor=actor, run=run)
        run.counts = {**counts, "thresholds": provenance, "as_of": as_of(year).isoformat()}
        run.run_by = actor
        run.save(update_fields=["counts", "run_by", "updated_at"])
        audit_record(actor=actor, action=REEVALUATED, obj=run, area_code=area.code,
                     after={name: value for name, value in counts.items()})
    return run


def why(finding_values: dict, category: str, change: str) -> str:
    """The reason of a finding in the reader's language: the rule, and for a leaving one the part it fails."""
    rule = str(RULES[category][0])
    if change == Change.ENTERS:
        return rule
    income = Decimal(finding_values["income_per_capita"])
    failing = []
    if category != "monitoring" and finding_values["property_passed"] is False:
        failing.append(str(_("property test not passed")))
    line = Decimal(finding_values[RULES[category][1]])
    if (category == "monitoring" and income > line) or (category != "monitoring" and income >= line):
        failing.append(str(_("income per head %(income)s above the line %(line)s")) % {
            "income": finding_values["income_per_capita"], "line": finding_values[RULES[category][1]]})
    lower = {"edge": "dibao_line", "rigid": "edge_line"}.get(category)
    if lower and income < Decimal(finding_values[lower]):
        failing.append(str(_("income per head below %(line)s: a category further down applies")) % {
            "line": finding_values[lower]})
    if category == "rigid" and Decimal(finding_values["spending"]) <= Decimal(finding_values["spending_limit"]):
        failing.append(str(_("spending %(spending)s not above %(limit)s")) % {
            "spending": finding_values["spending"], "limit": finding_values["spending_limit"]})
    return f"{rule}: " + "; ".join(failing)


def category_label(code: str) -> str:
    return cl.CATEGORY.label(code)
