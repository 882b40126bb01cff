"""The checks quality rules run, each in sets over one scan's scope (area subtree and year).

A check is called with the rules that use it and the scope, and yields (rule code, Hit). Most are one query;
`consistency` runs the registry's own consistency rules (the ones that warn at entry) over households loaded in
batches, so entry and scan can never disagree; `id_number_invalid` re-validates stored numbers (a number valid when
entered can fail later when the validation tables learn more).
"""

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.core.bulk import chunked
from fupin.registry import codelists as cl
from fupin.registry import consistency
from fupin.registry.idnumbers import IdNumberError, parse_id_number
from fupin.registry.models import DuplicateCandidate, Household, HouseholdYear, Member
from fupin.rules.evaluation import INDICATORS
from fupin.rules.policy import YearPolicy

CHECKS: dict[str, Callable] = {}


@dataclass(frozen=True)
class Scope:
    year: int
    households: QuerySet  # the households of the scan (area subtree ∩ the actor's grants, not removed)

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
            return str(self.message) % self.params if self.params else str(self.message)


def check(name: str):
    def register(function):
        CHECKS[name] = function
        return function

    return register


def _members(scope: Scope) -> QuerySet:
    return Member.objects.filter(household__in=scope.households, is_active=True)


def _years(scope: Scope) -> QuerySet:
    return HouseholdYear.objects.filter(year=scope.year, household__in=scope.households)


@check("id_number_invalid")
def id_number_invalid(rules, scope):
    rows = _members(scope).exclude(id_number__isnull=True).exclude(id_number="").values_list(
        "id", "household_id", "id_number")
    for member_id, household_id, number in rows.iterator(chunk_size=20000):
        try:
            parse_id_number(number, today=scope.year_end)
        except IdNumberError as error:
            for rule in rules:
                yield rule.code, Hit(household_id, member_id, error.message, error.params)


@check("head_missing")
def head_missing(rules, scope):
    heads = Count("members", filter=Q(members__is_active=True, members__relation=cl.HEAD))
    for household_id in scope.households.annotate(heads=heads).filter(heads=0).values_list("id", flat=True):
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
    for rule in rules:
        limit = rule.params.get("max", 100000)
        rows = _years(scope).filter(Q(net_income_per_capita__lte=0) | Q(net_income_per_capita__gt=limit))
        for household_id, income in rows.values_list("household_id", "net_income_per_capita"):
            yield rule.code, Hit(household_id, None, _("Net income per head %(income)s is not in (0, %(max)s]."),
                                 {"income": income, "max": limit})


@check("business_without_expense")
def business_without_expense(rules, scope):
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


@check("duplicate_person")
def duplicate_person(rules, scope):
    candidates = DuplicateCandidate.objects.filter(decision=DuplicateCandidate.Decision.OPEN,
                                                   member__household__in=scope.households)
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
    """The registry's consistency rules over every household of the scope, a batch of households at a time;
    each rule honours the registry's own per-province switches as well as the quality rule's."""
    by_code = {rule.params["rule"]: rule for rule in rules}
    enabled: dict[str, set[str]] = {}
    ids = list(scope.households.values_list("id", flat=True).order_by("id"))
    for batch in chunked(ids, 2000):
        households = {row["id"]: row for row in Household.objects.filter(id__in=batch).values(*HOUSEHOLD_FIELDS)}
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
