"""Reads of household assistance, scoped to the actor's areas: whether a plan's measures cover the household's
causes, and which households their cadres have not visited for too long."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from fupin.accounts.choices import Action
from fupin.areas.selectors import area_by_code
from fupin.core.temporal import add_months
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household
from fupin.rules.policy import YearPolicy

from .models import DeliveredMeasure, HouseholdVisit, MeasureType, Plan


def record_list(*, actor, model) -> QuerySet:
    """Assistance records of one kind (each lives in its household's area) the actor may see."""
    return model.objects.scoped(actor, Action.VIEW)


def measure_type_list() -> QuerySet[MeasureType]:
    """The catalogue of measure types (a public code list)."""
    return MeasureType.objects.all()


@dataclass(frozen=True)
class Coverage:
    """Which of a plan's causes the planned and the delivered measures address."""

    causes: list[str]
    planned_uncovered: list[str]
    delivered_uncovered: list[str]

    @property
    def covered(self) -> bool:
        return not self.delivered_uncovered


def plan_coverage(plan: Plan) -> Coverage:
    """A cause is covered when some measure addresses it (the catalogue says which causes each type
    addresses); the delivered measures counted are the plan's and the household's others of the plan year."""
    return plans_coverage([plan])[plan.pk]


def plans_coverage(plans: Iterable[Plan]) -> dict[int, Coverage]:
    """`plan_coverage` of each plan (by id) in a fixed number of queries: the catalogue once, the delivered
    measures of all the plans' households in one query, and the planned measures (none when `planned` is
    prefetched)."""
    plans = list(plans)
    if not plans:
        return {}
    addresses = dict(MeasureType.objects.values_list("code", "causes"))
    delivered = DeliveredMeasure.objects.filter(household_id__in={plan.household_id for plan in plans}).filter(
        Q(plan__in=plans) | Q(plan__isnull=True, delivered_on__year__in={plan.year for plan in plans})).values_list(
        "household_id", "plan_id", "delivered_on", "measure_type_id")
    by_plan: dict[int, list[str]] = defaultdict(list)
    by_household_year: dict[tuple[int, int], list[str]] = defaultdict(list)
    for household_id, plan_id, delivered_on, type_code in delivered:
        if plan_id is not None:
            by_plan[plan_id].append(type_code)
        else:
            by_household_year[household_id, delivered_on.year].append(type_code)

    def uncovered(plan: Plan, type_codes) -> list[str]:
        reached = {cause for code in type_codes for cause in addresses[code]}
        return [cause for cause in plan.causes if cause not in reached]

    return {plan.pk: Coverage(
        causes=list(plan.causes),
        planned_uncovered=uncovered(plan, [measure.measure_type_id for measure in plan.planned.all()]),
        delivered_uncovered=uncovered(plan, by_plan[plan.pk] + by_household_year[plan.household_id, plan.year]))
        for plan in plans}


def visit_interval_months(area_code: str, year: int) -> int:
    """How often a responsible cadre must visit (policy parameter visit_interval_months for the province)."""
    value = YearPolicy.load(year).parameter("visit_interval_months", area_code[:2])
    return int(value) if value is not None else 1


def households_not_visited(*, actor, area_code: str, on: datetime.date, months: int | None = None) -> QuerySet:
    """Poor and monitored households of the area whose last visit is more than `months` ago on `on` (never
    visited included); `months` defaults to the province's visit interval. Each row carries `last_visit`."""
    area = area_by_code(area_code)
    months = months if months is not None else visit_interval_months(area.code, on.year)
    since = add_months(on, -months)  # counted from the recorded visit dates, month by month
    households = Household.objects.filter(area__code__startswith=area.prefix).filter(
        Q(status__in=registry_codes.POOR_STATUSES) | ~Q(monitoring_category=""))
    households = households.scoped(actor, Action.VIEW)
    last = HouseholdVisit.objects.filter(household=OuterRef("pk"), visited_on__lte=on).values(
        "household").annotate(last=Max("visited_on")).values("last")
    return households.annotate(last_visit=Subquery(last)).filter(
        Q(last_visit__isnull=True) | Q(last_visit__lte=since)).order_by("area_id", "number")
