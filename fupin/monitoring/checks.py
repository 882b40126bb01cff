"""The checks warning rules run, each in sets over one scan's scope (the households that may become monitored,
in an area subtree, for a year, on a day).

A check is called with its rule and the scope and yields Hits. Values of policy (the income-drop share, the
cost amounts) are the rule's `policy` parameters looked up for each household's province in the scan year's
policy (rules.YearPolicy, loaded once); a province without the value is not checked by that rule.

Windows: registry rules read the year-Y record (and year Y−1 for a drop); department lists count records dated
(or, undated, received) from 1 January of year Y up to the scan day; disasters count if they occurred in that
window.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fupin.areas.selectors import subtree
from fupin.core.registries import registrar
from fupin.core.sql import chunked
from fupin.quality.models import DepartmentRecord
from fupin.registry.models import HouseholdYear, Member
from fupin.rules import evaluation
from fupin.rules.policy import YearPolicy

from .models import DISASTER_KIND, Disaster

CHECKS: dict[str, Callable] = {}
CATEGORIES_BY_INCOME = ("1", "2")  # the rules' categories reached by income alone (3 needs spending)


@dataclass(frozen=True)
class Scope:
    year: int
    on: datetime.date
    households: QuerySet  # monitorable households of the scan (area subtree ∩ the actor's grants)
    policy: YearPolicy

    @property
    def window(self) -> tuple[datetime.date, datetime.date]:
        return datetime.date(self.year, 1, 1), min(self.on, datetime.date(self.year, 12, 31))

    def value(self, rule, name: str, province: str) -> Decimal | None:
        """The rule's policy value `name` in force for the province in the scan year (None: not set)."""
        code = rule.policy.get(name)
        return self.policy.parameter(code, province) if code else None


@dataclass
class Hit:
    household_id: int
    area_code: str
    message: object  # lazy, with %(name)s placeholders
    params: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # what was compared, stored with the warning
    category: str = ""  # the monitoring category the rules suggest, if any

    def text(self, language: str) -> str:
        with translation.override(language):
            return str(self.message) % self.params if self.params else str(self.message)


check = registrar(CHECKS)


def _plain(values: dict) -> dict:
    return {key: str(value) if isinstance(value, Decimal | datetime.date) else value for key, value in values.items()}


def _money(value) -> Decimal:
    """A subquery's amount as money (SQLite hands it back without its scale)."""
    return Decimal(value).quantize(Decimal("0.01"))


def _previous(column: str, year: int):
    return Subquery(HouseholdYear.objects.filter(household=OuterRef("household"), year=year).values(column)[:1])


@check("income_drop")
def income_drop(rule, scope):
    """Per-capita net income of year Y at or below (1 − share) × that of year Y−1: a drop of at least the share.
    An income not entered in either year (a year opened by the roll-forward) is unknown: nothing to compare."""
    rows = (HouseholdYear.objects.filter(year=scope.year, household__in=scope.households,
                                         net_income_per_capita__isnull=False)
            .annotate(previous=_previous("net_income_per_capita", scope.year - 1)).filter(previous__gt=0)
            .values_list("household_id", "household__area_id", "net_income_per_capita", "previous"))
    for household_id, area, income, previous in rows.iterator(chunk_size=20000):
        previous = _money(previous)
        share = scope.value(rule, "share", area[:2])
        if share is None or income > previous * (1 - share):
            continue
        dropped = ((previous - income) / previous).quantize(Decimal("0.0001"))
        yield Hit(household_id, area,
                  _("Net income per head fell from %(previous)s to %(income)s (by %(dropped)s; warned from "
                    "%(share)s)."),
                  {"previous": previous, "income": income, "dropped": f"{dropped:.2%}", "share": f"{share:.0%}"},
                  _plain({"previous": previous, "income": income, "dropped": dropped, "share": share}))


@check("income_under_threshold")
def income_under_threshold(rule, scope):
    """The rules' monitoring evaluation (rules.evaluation.monitoring_categories): categories 1 and 2, income per
    head at or under the province's monitoring threshold of the year (an income not entered is in none)."""
    for verdict in evaluation.monitoring_categories(year=scope.year, households=scope.households,
                                                    policy=scope.policy):
        if verdict.category not in CATEGORIES_BY_INCOME:
            continue
        reason = verdict.reasons[0]
        yield Hit(verdict.household_id, verdict.area_code, reason.message, reason.params,
                  _plain({"income": reason.value, "threshold": reason.threshold}), verdict.category)


COST_MESSAGES = {
    "medical": _("Compliant out-of-pocket medical costs of %(amount)s yuan since %(start)s (department lists: "
                 "%(lists)s); warned from %(minimum)s."),
    "education": _("Education costs of %(amount)s yuan since %(start)s (department lists: %(lists)s); warned "
                   "from %(minimum)s."),
}


@check("department_cost")
def department_cost(rule, scope):
    """The household's costs in the department lists of `department_source` (quality's lists, keyed by ID
    number, matched on the active members), summed over the window, at or above the province's amount."""
    source = rule.params["department_source"]
    start, end = scope.window
    records = (DepartmentRecord.objects.filter(department_list__source=source, value__isnull=False)
               .annotate(day=Coalesce("date", "department_list__received_on"))
               .filter(day__gte=start, day__lte=end))
    members = (Member.objects.filter(household__in=scope.households, is_active=True,
                                     id_number__in=records.values("id_number"))
               .values_list("household_id", "household__area_id", "id_number"))
    by_household: dict[int, tuple[str, set[str]]] = {}
    for household_id, area, number in members.iterator(chunk_size=20000):
        by_household.setdefault(household_id, (area, set()))[1].add(number)
    totals: dict[str, Decimal] = {}
    lists: dict[str, set[str]] = {}
    numbers = sorted({number for _area, held in by_household.values() for number in held})
    for chunk in chunked(numbers, 500):
        for number, value, name in records.filter(id_number__in=chunk).values_list(
                "id_number", "value", "department_list__name"):
            totals[number] = totals.get(number, Decimal("0")) + value
            lists.setdefault(number, set()).add(name)
    for household_id, (area, held) in sorted(by_household.items()):
        minimum = scope.value(rule, "min_amount", area[:2])
        amount = sum((totals.get(number, Decimal("0")) for number in held), Decimal("0"))
        if minimum is None or amount < minimum:
            continue
        names = "、".join(sorted({name for number in held for name in lists.get(number, ())}))
        yield Hit(household_id, area, COST_MESSAGES[source],
                  {"amount": amount, "start": start, "lists": names, "minimum": format(minimum.normalize(), "f")},
                  _plain({"amount": amount, "minimum": minimum}))


class _KindLabel:
    """A disaster kind, labelled in the language in force when the message is rendered."""

    def __init__(self, code: str):
        self.code = code

    def __str__(self) -> str:
        return DISASTER_KIND.label(self.code)


@check("disaster")
def disaster(rule, scope):
    """Every household of the scope under an area hit by a disaster in the window."""
    start, end = scope.window
    for event in Disaster.objects.filter(occurred_on__gte=start, occurred_on__lte=end).select_related(
            "area").order_by("occurred_on", "id"):
        for household_id, area in subtree(scope.households, event.area).values_list("id", "area_id").iterator(
                chunk_size=20000):
            yield Hit(household_id, area, _("%(kind)s in %(area)s on %(date)s: %(title)s."),
                      {"kind": _KindLabel(event.kind), "area": event.area.name, "date": event.occurred_on,
                       "title": event.title},
                      _plain({"disaster": event.pk, "kind": event.kind, "date": event.occurred_on}))


@check("only_earner_job_loss")
def only_earner_job_loss(rule, scope):
    """The registry's signal of a lost job: the household has exactly one active member able to work (labour
    capacity in `earner_labour`), earned wages in year Y−1 and none in year Y (entered as 0: wages not entered
    are unknown)."""
    rows = list(HouseholdYear.objects.filter(year=scope.year, household__in=scope.households, wage_income=0)
                .annotate(previous=_previous("wage_income", scope.year - 1)).filter(previous__gt=0)
                .values_list("household_id", "household__area_id", "previous"))
    earners: dict[int, list[str]] = {}
    for chunk in chunked([row[0] for row in rows], 500):
        for household_id, name in Member.objects.filter(
                household_id__in=chunk, is_active=True, labour__in=rule.params["earner_labour"]).values_list(
                "household_id", "name"):
            earners.setdefault(household_id, []).append(name)
    for household_id, area, previous in rows:
        previous = _money(previous)
        if len(earners.get(household_id, [])) != 1:
            continue
        yield Hit(household_id, area,
                  _("%(name)s, the only member able to work, earned no wages in %(year)s (%(previous)s yuan in "
                    "%(before)s)."),
                  {"name": earners[household_id][0], "year": scope.year, "previous": previous,
                   "before": scope.year - 1},
                  _plain({"wages": "0.00", "previous": previous}))
