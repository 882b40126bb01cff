"""The checks quality rules run, each in sets over one scan's scope (area subtree and year).

A check is called with the rules that use it and the scope, and yields (rule code, Hit). Most are one query;
`consistency` runs the registry's own consistency rules (the ones that warn at entry) over the households the
database picks as possible hits, loaded in batches, so entry and scan can never disagree; `id_number_invalid`
re-validates stored numbers (a number valid when entered can fail later when the validation tables learn more),
proving most of them valid in numpy first.
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

import numpy as np
from django.db.models import Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, TextField
from django.db.models.functions import Cast, StrIndex
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.assistance.models import Responsibility
from fupin.core.idnumbers import (
    CHECK_CHARACTERS,
    MAX_AGE,
    WEIGHTS,
    IdNumberError,
    parse_id_number,
    region_known,
)
from fupin.core.registries import registrar
from fupin.core.sql import chunked
from fupin.registry import codelists as cl
from fupin.registry import consistency
from fupin.registry.models import DuplicateCandidate, Household, HouseholdYear, Member
from fupin.rules.evaluation import INDICATORS
from fupin.rules.policy import YearPolicy

CHECKS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Scope:
    year: int
    households: QuerySet  # the households of the scan (area subtree ∩ the actor's grants, not removed)
    # The same filter on the household seen through a relation, given the lookup prefix ("household__"): rows of
    # other tables are then scoped with a join, which the databases run several times faster than IN (subquery).
    household_filter: Callable[[str], Q] | None = None
    # SQLite drives a join (or IN (subquery)) from the scope's households in area order, which reads the members
    # at random; when the scope holds most of the registry, reading the members in their stored order and probing
    # the scope's ids is 2–3× faster at a million households. Set by the service on SQLite only.
    most_of_the_registry: bool = False

    def within(self, queryset: QuerySet, path: str = "household", *, big_table: bool = False) -> QuerySet:
        """The rows of `queryset` whose household (reached through `path`) is in the scope."""
        if big_table and self.most_of_the_registry:  # "+ 0": SQLite cannot drive the query from the scope
            return queryset.alias(scope_household=ExpressionWrapper(F(f"{path}_id") + 0, IntegerField())).filter(
                scope_household__in=self.households.order_by().values("pk"))
        if self.household_filter is None:
            return queryset.filter(**{f"{path}__in": self.households})
        return queryset.filter(self.household_filter(f"{path}__"))

    @property
    def year_end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


@dataclass
class Hit:
    household_id: int
    member_id: int | None
    message: object  # lazy, with %(name)s placeholders
    params: dict = field(default_factory=dict)

    def text(self, language: str) -> str:
        with translation.override(language):
            return self.render()

    def render(self) -> str:
        """The message in the language in force."""
        return str(self.message) % self.params if self.params else str(self.message)


check = registrar(CHECKS)


def _members(scope: Scope) -> QuerySet:
    return scope.within(Member.objects.filter(is_active=True), big_table=True)


def _years(scope: Scope) -> QuerySet:
    return scope.within(HouseholdYear.objects.filter(year=scope.year))


@check("id_number_invalid")
def id_number_invalid(rules, scope):
    """Every stored number is re-validated for the scan's year: a number valid when entered can fail later (its
    birth date after the scan's year, more than 120 years back, a region the tables no longer know), and rows
    imported or edited outside the registry's services were never validated. The numbers are checked a chunk at a
    time in numpy (`_proven_valid`); `parse_id_number` judges the few it cannot prove valid, so the findings and
    their messages are exactly those of validating every number with it."""
    members = _members(scope).exclude(id_number__isnull=True).exclude(id_number="")
    memo: dict[str, dict[int, bool]] = {"regions": {}, "dates": {}}
    suspects = set()
    # Only the numbers are read (one column is much faster to fetch); the members holding a suspect number are
    # looked up afterwards.
    for chunk in chunked(members.order_by().values_list("id_number", flat=True).iterator(chunk_size=50000), 50000):
        suspects.update(number for number, ok in zip(chunk, _proven_valid(chunk, scope.year_end, memo), strict=True)
                        if not ok)
    rows = []
    for chunk in chunked(sorted(suspects), 5000):
        rows.extend(members.filter(id_number__in=chunk).values_list("id", "household_id", "relation", "id_number"))
    rows.sort(key=lambda row: (row[1], row[2], row[0]))  # the members' order: household, relation, id
    for member_id, household_id, _relation, number in rows:
        try:
            parse_id_number(number, today=scope.year_end)
        except IdNumberError as error:
            for rule in rules:
                yield rule.code, Hit(household_id, member_id, error.message, error.params)


ID_WEIGHTS = np.array(WEIGHTS, dtype=np.int64)
ID_CHECK_CODES = np.array([ord(c) for c in CHECK_CHARACTERS], dtype=np.int64)


def _proven_valid(numbers: list[str], today: datetime.date, memo: dict) -> np.ndarray:
    """For each number, whether `parse_id_number(number, today=today)` certainly accepts it: exactly 17 digits
    and a digit or X, the right MOD 11-2 check character, a real birth date not after `today` and at most
    MAX_AGE years back, a region prefix `region_known` accepts. Dates and regions are judged once per distinct
    value (`memo`, shared by the chunks of a scan). False means "ask parse_id_number" (lower-case x, spaces,
    15-digit numbers … included), so this can only spare work, never change a result."""
    width = max(18, *(len(number) for number in numbers))
    codes = np.array(numbers, dtype=f"<U{width}").view(np.uint32).reshape(len(numbers), width).astype(np.int64)
    lengths = np.fromiter(map(len, numbers), dtype=np.int64, count=len(numbers))
    digits = codes[:, :17] - ord("0")
    last = codes[:, 17]
    ok = (lengths == 18) & ((digits >= 0) & (digits <= 9)).all(axis=1) & (
        ((last >= ord("0")) & (last <= ord("9"))) | (last == ord("X")))
    digits = np.where(ok[:, None], digits, 0)
    ok &= ID_CHECK_CODES[digits @ ID_WEIGHTS % 11] == last
    regions = digits[:, :6] @ (10 ** np.arange(5, -1, -1, dtype=np.int64))
    births = digits[:, 6:14] @ (10 ** np.arange(7, -1, -1, dtype=np.int64))
    for values, known, judge in ((regions, memo["regions"], lambda code: region_known(f"{code:06d}")),
                                 (births, memo["dates"], lambda day: _birth_date_valid(day, today))):
        for value in np.unique(values[ok]).tolist():
            if value not in known:
                known[value] = judge(value)
        good = np.array([value for value, valid in known.items() if valid], dtype=np.int64)
        ok &= np.isin(values, good)
    return ok


def _birth_date_valid(yyyymmdd: int, today: datetime.date) -> bool:
    """parse_id_number's date rules: a real date, not after `today`, at most MAX_AGE years back."""
    try:
        birth = datetime.date(yyyymmdd // 10000, yyyymmdd // 100 % 100, yyyymmdd % 100)
    except ValueError:
        return False
    return birth <= today and today.year - birth.year <= MAX_AGE


@check("head_missing")
def head_missing(rules, scope):
    heads = Member.objects.filter(household_id=OuterRef("pk"), is_active=True, relation=cl.HEAD)
    for household_id in scope.households.filter(~Exists(heads)).values_list("id", flat=True):
        for rule in rules:
            yield rule.code, Hit(household_id, None, _("The household has no head."))


@check("key_fields_empty")
def key_fields_empty(rules, scope):
    for rule in rules:
        youngest, oldest = rule.params.get("labour_ages", [16, 65])
        end = scope.year_end
        working_age = Q(birth_date__lte=end.replace(year=end.year - youngest),
                        birth_date__gt=end.replace(year=end.year - oldest - 1))
        empty = Q(ethnicity="") | Q(health="") | (working_age & Q(labour=""))
        for member_id, household_id, ethnicity, health, labour in _members(scope).filter(empty).values_list(
                "id", "household_id", "ethnicity", "health", "labour").iterator(chunk_size=20000):
            names = [label for value, label in ((ethnicity, _("ethnicity")), (health, _("health")),
                                                (labour, _("labour capacity"))) if not value]
            yield rule.code, Hit(household_id, member_id, _("Empty: %(fields)s."),
                                 {"fields": _Joined(names)})


class _Joined:
    """Lazy labels joined in the language in force when the message is rendered."""

    def __init__(self, labels):
        self.labels = labels

    def __str__(self) -> str:
        return "、".join(str(label) for label in self.labels)


@check("exited_unresolved")
def exited_unresolved(rules, scope):
    policy = YearPolicy.load(scope.year)
    rows = _years(scope).filter(status__in=cl.EXITED_STATUSES).values_list(
        "household_id", "household__area_id", "net_income_per_capita", *INDICATORS)
    for household_id, area, income, *indicators in rows.iterator(chunk_size=20000):
        line = policy.line(area[:2])
        failed = [INDICATORS[name] for name, value in zip(INDICATORS, indicators, strict=True) if value is False]
        if line is not None and income is not None and income <= line:
            failed.insert(0, _("income not above the line"))
        if failed:
            for rule in rules:
                yield rule.code, Hit(household_id, None, _("Out of poverty, but: %(failed)s."),
                                     {"failed": _Joined(failed)})


@check("income_out_of_range")
def income_out_of_range(rules, scope):
    """Per-capita net income at or under 0 or above the rule's maximum. An income not entered (None: a year opened
    by the roll-forward) is unknown, not 0, and is not flagged."""
    for rule in rules:
        limit = rule.params.get("max", 100000)
        rows = _years(scope).filter(Q(net_income_per_capita__lte=0) | Q(net_income_per_capita__gt=limit))
        for household_id, income in rows.values_list("household_id", "net_income_per_capita"):
            yield rule.code, Hit(household_id, None, _("Net income per head %(income)s is not in (0, %(max)s]."),
                                 {"income": income, "max": limit})


@check("business_without_expense")
def business_without_expense(rules, scope):
    """Business income with expenses entered as 0 (expenses not entered are unknown: not flagged)."""
    rows = _years(scope).filter(business_income__gt=0, business_expense=0)
    for household_id, income in rows.values_list("household_id", "business_income"):
        for rule in rules:
            yield rule.code, Hit(household_id, None, _("Business income %(income)s with no business expenses."),
                                 {"income": income})


@check("land_per_capita")
def land_per_capita(rules, scope):
    for rule in rules:
        cultivated, forest = rule.params.get("cultivated_max", 50), rule.params.get("forest_max", 70)
        rows = _years(scope).filter(size_end__gt=0).filter(
            Q(cultivated_land__gt=F("size_end") * cultivated) | Q(forest_land__gt=F("size_end") * forest))
        for household_id, land, woods, size in rows.values_list("household_id", "cultivated_land", "forest_land",
                                                                 "size_end"):
            yield rule.code, Hit(household_id, None,
                                 _("Land per head is implausible: %(land)s mu cultivated, %(forest)s mu forest for "
                                   "%(size)s persons."), {"land": land, "forest": woods, "size": size})


@check("road_distance")
def road_distance(rules, scope):
    for rule in rules:
        limit = rule.params.get("max_km", 50)
        for household_id, km in _years(scope).filter(road_distance_km__gt=limit).values_list(
                "household_id", "road_distance_km"):
            yield rule.code, Hit(household_id, None, _("%(km)s km to the main road is more than %(max)s km."),
                                 {"km": km, "max": limit})


@check("monitoring_missed")
def monitoring_missed(rules, scope):
    for rule in rules:
        if scope.year < rule.params.get("from_year", 2021):
            continue
        policy = YearPolicy.load(scope.year)
        rows = _years(scope).filter(status__in=cl.EXITED_STATUSES, monitoring_category="",
                                    household__monitoring_category="")
        for household_id, area, income in rows.values_list("household_id", "household__area_id",
                                                           "net_income_per_capita").iterator(chunk_size=20000):
            threshold = policy.monitoring_threshold(area[:2])
            if threshold is not None and income is not None and income <= threshold:
                yield rule.code, Hit(household_id, None,
                                     _("Income per head %(income)s is within the monitoring range (%(threshold)s) "
                                       "but the household is not monitored."),
                                     {"income": income, "threshold": threshold})


def _serving_on(day: datetime.date) -> QuerySet:
    """Responsible cadres serving on `day`."""
    return Responsibility.objects.filter(start_date__lte=day).filter(Q(end_date__isnull=True) | Q(end_date__gte=day))


@check("no_responsible_cadre")
def no_responsible_cadre(rules, scope):
    """Every poor household, and every monitored one, has a responsible cadre (帮扶责任人) serving at the end of
    the year (DOMAIN_RULES §5.3/§7.3: 帮扶责任人缺失)."""
    rows = _years(scope).filter(Q(status__in=sorted(cl.POOR_STATUSES)) | ~Q(monitoring_category="")).filter(
        ~Exists(_serving_on(scope.year_end).filter(household=OuterRef("household_id"))))
    for household_id in rows.values_list("household_id", flat=True).iterator(chunk_size=20000):
        for rule in rules:
            yield rule.code, Hit(household_id, None, _("Poor or monitored at the end of %(year)s without a "
                                                       "responsible cadre."), {"year": scope.year})


@check("poor_cadre")
def poor_cadre(rules, scope):
    """A responsible cadre serving at the end of the year who is an active member of a poor household (a cadre
    may not be registered poor; personnel refuses it at entry, but a cadre's household can become poor later)."""
    serving = _serving_on(scope.year_end).values("cadre__id_number")
    members = _members(scope).filter(household__status__in=sorted(cl.POOR_STATUSES), id_number__in=serving)
    for household_id, member_id in members.values_list("household_id", "pk"):
        for rule in rules:
            yield rule.code, Hit(household_id, member_id, _("A member of this poor household serves as a responsible "
                                                            "cadre."))


@check("duplicate_person")
def duplicate_person(rules, scope):
    candidates = scope.within(DuplicateCandidate.objects.filter(decision=DuplicateCandidate.Decision.OPEN),
                              "member__household")
    for member_id, household_id, other in candidates.values_list("member_id", "member__household_id",
                                                                 "other__household__number"):
        for rule in rules:
            yield rule.code, Hit(household_id, member_id, _("May be the same person as a member of household "
                                                            "%(other)s."), {"other": other})


MEMBER_FIELDS = ("id", "household_id", "relation", "sex", "birth_date", "labour", "health", "school_status",
                 "work_location", "work_months", "on_dibao", "on_tekun", "is_active")
HOUSEHOLD_FIELDS = ("id", "area_id", "attribute", "main_cause", "other_causes")


@check("consistency")
def consistency_rules(rules, scope) -> Iterator:
    """The registry's consistency rules over the households of the scope, a batch of households at a time;
    each rule honours the registry's own per-province switches as well as the quality rule's.

    Only the households the database says a rule could warn on are loaded (`_consistency_candidates`); the
    registry's functions then decide, so what is found and its messages are those of running them everywhere."""
    by_code = {rule.params["rule"]: rule for rule in rules}
    yield from _consistency_hits(by_code, scope, _consistency_candidates(list(by_code), scope))


def _consistency_hits(by_code: dict, scope, household_ids: list[int] | None) -> Iterator:
    """Run the registry's rules `by_code` over `household_ids` (all of the scope when None), in id order."""
    enabled: dict[str, set[str]] = {}
    if household_ids is None:
        household_ids = list(scope.households.values_list("id", flat=True).order_by("id"))
    for batch in chunked(household_ids, 2000):
        households = {row["id"]: row for row in Household.objects.filter(id__in=batch).values(
            *HOUSEHOLD_FIELDS).order_by("id")}
        members: dict[int, list[dict]] = {}
        for row in Member.objects.filter(household_id__in=batch, is_active=True).values(*MEMBER_FIELDS).order_by(
                "household_id", "id"):
            members.setdefault(row["household_id"], []).append(row)
        for household_id, household in households.items():
            province = household["area_id"][:2]
            if province not in enabled:
                enabled[province] = set(consistency.enabled_rules(province))
            people = members.get(household_id, [])
            codes = [code for code in by_code if code in enabled[province]]
            for problem in consistency.warnings_for(household, people, None, province_code=province,
                                                    day=scope.year_end, rules=codes):
                member_id = people[problem.member]["id"] if problem.member is not None else None
                yield by_code[problem.rule].code, Hit(household_id, member_id, problem.message, problem.params)


# What each consistency rule of registry/consistency.py needs to possibly warn, as conditions the database
# evaluates in one pass: on an active member (MEMBER_SUSPECTS) or on the household (HOUSEHOLD_SUSPECTS), given
# the scan's day. Each must hold on every household the rule can warn on (it may hold on more: the rule itself
# decides).
# test_consistency_candidates_cover_the_rules checks this on randomly drawn households; a rule added to the
# registry without an entry here runs over every household.
CHILD_RELATIONS = ("03", "04", "07", "08", "09", "10", "21", "22")  # as consistency.relation_age
NOT_IN_SCHOOL = ("", "00", "18")  # as the rules' `in_school`


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """Aged `years` or more on `day` (consistency.age_on) ⟺ born on or before this date. The scan's day is
    31 December (Scope.year_end); a 29 February would raise here rather than shift a bound."""
    return day.replace(year=day.year - years)


def _head(**conditions) -> Exists:
    """An active head of the member's household with these conditions."""
    return Exists(Member.objects.filter(household_id=OuterRef("household_id"), is_active=True, relation=cl.HEAD,
                                        **conditions))


def _any_member(condition: Q) -> Exists:
    """An active member of the household meeting `condition`."""
    return Exists(Member.objects.filter(condition, household_id=OuterRef("pk"), is_active=True))


MEMBER_SUSPECTS: dict[str, Callable[[datetime.date], Q]] = {
    "relation_sex": lambda day: (Q(relation__in=cl.MALE_RELATIONS, sex="2")
                                 | Q(relation__in=cl.FEMALE_RELATIONS, sex="1")),
    # The member's own columns first: the head is looked up only for the few members that need it.
    "spouse_same_sex": lambda day: Q(relation=cl.SPOUSE, sex__in=("1", "2")) & Q(_head(sex=OuterRef("sex"))),
    "relation_age": lambda day: Q(birth_date__isnull=False) & (
        Q(relation__in=cl.ELDER_RELATIONS) & Q(_head(birth_date__lte=OuterRef("birth_date")))
        | Q(relation__in=CHILD_RELATIONS) & Q(_head(birth_date__gte=OuterRef("birth_date")))),
    "labour_age_health": lambda day: Q(labour__isnull=False) & ~Q(labour="") & (
        (Q(birth_date__gt=_years_before(day, 16)) & ~Q(labour="5"))  # under 16
        | Q(birth_date__gt=_years_before(day, 61), birth_date__lte=_years_before(day, 16),  # 16 to 60
            health="1", school_status__in=NOT_IN_SCHOOL, labour__in=cl.NO_LABOUR)),
    "work_months": lambda day: (
        (Q(work_location__isnull=False) & ~Q(work_location="") & (Q(work_months__isnull=True) | Q(work_months=0)))
        | (Q(work_months__gt=0) & (Q(work_location__isnull=True) | Q(work_location="")))),
    "school_age": lambda day: (
        Q(birth_date__gt=_years_before(day, 15), school_status__in=cl.SENIOR_SCHOOL_OR_ABOVE)  # 14 or less
        | Q(birth_date__lte=_years_before(day, 20), school_status__in=cl.PRIMARY_OR_BELOW)),  # 20 or more
    "allowance_attribute": lambda day: Q(on_dibao=True) & Q(household__attribute="01"),
}
HOUSEHOLD_SUSPECTS: dict[str, Callable[[datetime.date], Q]] = {
    "cause_members": lambda day: (
        Q(main_cause="01") & ~_any_member(Q(health__in=("2", "3")))
        | Q(main_cause="02") & ~_any_member(Q(health="4"))
        | Q(main_cause="03") & ~_any_member(~Q(school_status__in=NOT_IN_SCHOOL) & Q(school_status__isnull=False))),
    # The JSON text of the other causes contains the main cause (a list holding it always does).
    "other_cause_repeats_main": lambda day: Q(cause_in_others__gt=0),
    "allowance_attribute": lambda day: Q(attribute__in=("04", "07")) & ~_any_member(Q(on_dibao=True)),
}


def _consistency_candidates(codes: list[str], scope) -> list[int] | None:
    """The ids (ascending) of the scope's households on which one of the rules `codes` can warn, or None (every
    household) when a rule has no condition above."""
    if any(code not in MEMBER_SUSPECTS and code not in HOUSEHOLD_SUSPECTS for code in codes):
        return None
    day = scope.year_end
    found: set[int] = set()
    member_conditions = [MEMBER_SUSPECTS[code](day) for code in codes if code in MEMBER_SUSPECTS]
    if member_conditions:
        found.update(_members(scope).filter(reduce(or_, member_conditions)).order_by().values_list(
            "household_id", flat=True))
    household_conditions = [HOUSEHOLD_SUSPECTS[code](day) for code in codes if code in HOUSEHOLD_SUSPECTS]
    if household_conditions:
        households = scope.households.annotate(
            cause_in_others=StrIndex(Cast("other_causes", TextField()), F("main_cause")))
        found.update(households.filter(reduce(or_, household_conditions)).order_by().values_list("id", flat=True))
    return sorted(found)


COMPARISON_MESSAGES = {
    "death": _("Registered as dead (%(date)s) in “%(list)s”, but still a member of the household."),
    "vehicle": _("Owns a vehicle worth %(value)s yuan (“%(list)s”)."),
    "state_staff": _("Is state-paid staff: %(detail)s (“%(list)s”)."),
    "property": _("Bought commercial property: %(detail)s (“%(list)s”)."),
    "business": _("Has a registered business: %(detail)s (“%(list)s”)."),
    "dibao": _("Receives the minimum living allowance (“%(list)s”) but is not recorded as such."),
    "medical": _("Paid %(value)s yuan out of pocket for medical care (“%(list)s”)."),
    "education": _("%(detail)s (“%(list)s”)."),
    "disability": _("Holds a disability certificate (“%(list)s”) but is not recorded as disabled."),
}


@check("comparison")
def comparison(rules, scope):
    """Department lists matched against the scope's active members by ID number, in the database. A rule with
    `co_resident` makes the whole household the subject (a relative's car excludes the household)."""
    from .models import DepartmentRecord

    for rule in rules:
        params = rule.params
        records = DepartmentRecord.objects.filter(department_list__source=params["source"])
        if "min_value" in params:
            records = records.filter(value__gte=params["min_value"])
        if "detail_contains" in params:
            records = records.filter(detail__contains=params["detail_contains"])
        members = _members(scope).filter(id_number__in=records.values("id_number"))
        for field_name, value in params.get("unless", {}).items():
            members = members.exclude(**{field_name: value})
        matched = list(members.values_list("id", "household_id", "id_number"))
        details = {}
        for chunk in chunked(sorted({number for _m, _h, number in matched}), 500):
            for number, value, day, detail, name in records.filter(id_number__in=chunk).values_list(
                    "id_number", "value", "date", "detail", "department_list__name"):
                details.setdefault(number, (value, day, detail, name))
        for member_id, household_id, number in matched:
            value, day, detail, name = details[number]
            message = COMPARISON_MESSAGES[params["source"]]
            values = {"value": value, "date": day, "detail": detail, "list": name}
            if params.get("co_resident"):
                yield rule.code, Hit(household_id, member_id, _("A member of the household: %(finding)s"),
                                     {"finding": _Rendered(message, values)})
            else:
                yield rule.code, Hit(household_id, member_id, message, values)


class _Rendered:
    """A lazy message with its values, rendered in the language in force."""

    def __init__(self, message, values):
        self.message, self.values = message, values

    def __str__(self) -> str:
        return str(self.message) % self.values
