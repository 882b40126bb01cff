"""Reads of household assistance, scoped to the actor's areas: whether a plan's measures cover the household's
causes, and which households their cadres have not visited for too long."""

import datetime
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery

from fupin.accounts.choices import Action
from fupin.accounts.scoping import area_q
from fupin.areas.selectors import area_by_code
from fupin.core.temporal import add_months
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household
from fupin.rules.policy import YearPolicy

from .models import DeliveredMeasure, HouseholdVisit, MeasureType, Plan


def record_list(*, actor, model, area_field: str = "household__area") -> QuerySet:
    condition = area_q(actor, Action.VIEW, area_field)
    records = model.objects.all()
    return records if condition is None else records.filter(condition)


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
    addresses = dict(MeasureType.objects.values_list("code", "causes"))

    def uncovered(type_codes) -> list[str]:
        reached = {cause for code in type_codes for cause in addresses[code]}
        return [cause for cause in plan.causes if cause not in reached]

    delivered = DeliveredMeasure.objects.filter(household_id=plan.household_id).filter(
        Q(plan=plan) | Q(plan__isnull=True, delivered_on__year=plan.year)).values_list("measure_type_id", flat=True)
    return Coverage(causes=list(plan.causes),
                    planned_uncovered=uncovered(plan.planned.values_list("measure_type_id", flat=True)),
                    delivered_uncovered=uncovered(delivered))


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
    condition = area_q(actor, Action.VIEW, "area")
    if condition is not None:
        households = households.filter(condition)
    last = HouseholdVisit.objects.filter(household=OuterRef("pk"), visited_on__lte=on).values(
        "household").annotate(last=Max("visited_on")).values("last")
    return households.annotate(last_visit=Subquery(last)).filter(
        Q(last_visit__isnull=True) | Q(last_visit__lte=since)).order_by("area_id", "number")
