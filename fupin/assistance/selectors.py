"""Reads of household assistance, scoped to the actor's areas: whether a plan's measures cover the household's
causes, and which households their cadres have not visited for too long."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum

from fupin.accounts.choices import Action
from fupin.areas.selectors import area_by_code, subtree
from fupin.core.temporal import add_months
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household
from fupin.rules.policy import YearPolicy

from . import codelists as cl
from .models import (
    DeliveredMeasure,
    HouseholdVisit,
    Loan,
    MeasureType,
    Plan,
    PropertyCertificate,
    Relocation,
    RelocationEmployment,
    RelocationSite,
)

LARGE_SETTLEMENT = "relocation_large_settlement_persons"  # policy parameter: people from which a site is large


def record_list(*, actor, model) -> QuerySet:
    """Assistance records of one kind (each lives in its household's area) the actor may see."""
    return model.objects.scoped(actor, Action.VIEW)


def household_loans(household) -> QuerySet[Loan]:
    """The loan contracts of a household (a measure's support may follow one to its end)."""
    return Loan.objects.filter(household=household).order_by("issued_on", "id")


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


# Support with its own end ---------------------------------------------------------------------------------------
def continuing_measures(household, on: datetime.date) -> list[DeliveredMeasure]:
    """The measures still running for a household on `on`: delivered by then, with an end rule other than one-off,
    ending on or after it. They do not depend on the household's monitoring: a household whose risk is eliminated
    keeps them until their own end ("continuing until …" on the household file)."""
    return list(DeliveredMeasure.objects.filter(household=household, delivered_on__lte=on, ends_on__gte=on).exclude(
        end_rule="once").select_related("measure_type", "member", "loan").order_by("ends_on", "id"))


def continuing_by_household(household_ids, on: datetime.date) -> dict[int, list[DeliveredMeasure]]:
    """`continuing_measures` of many households in one query (for the lists per category)."""
    found: dict[int, list[DeliveredMeasure]] = defaultdict(list)
    rows = DeliveredMeasure.objects.filter(household_id__in=list(household_ids), delivered_on__lte=on,
                                           ends_on__gte=on).exclude(end_rule="once").select_related(
        "measure_type").order_by("household_id", "ends_on", "id")
    for measure in rows:
        found[measure.household_id].append(measure)
    return found


def category_households(*, actor, area_code: str, category: str) -> QuerySet[Household]:
    """分层分类: the households of one support category in the area — 脱贫户 (out of poverty) or the monitoring
    objects of one category (with their risk eliminated or not: eliminated households keep measures that run
    until their own end)."""
    area = area_by_code(area_code)
    households = subtree(Household.objects.all(), area).scoped(actor, Action.VIEW)
    if category == "exited":
        households = households.filter(status__in=registry_codes.EXITED_STATUSES)
    elif category.startswith("monitoring_") and category in cl.SUPPORT_CATEGORY.values:
        households = households.filter(monitoring_category=category.removeprefix("monitoring_"))
    else:
        return households.none()
    return households.order_by("area_id", "number")


# Relocation follow-up (易地搬迁后续扶持) ----------------------------------------------------------------------------
def large_settlement_threshold(province: str, year: int) -> int | None:
    value = YearPolicy.load(year).parameter(LARGE_SETTLEMENT, province)
    return int(value) if value is not None else None


def settlements(*, actor, area_code: str, year: int, large_only: bool = False) -> list[RelocationSite]:
    """The resettlement sites of the area with their population (the persons of the registered households moved
    there by the end of `year`, and those moved along with them who are not registered) and whether each is a
    large settlement under its province's threshold for the year (≥, from policy parameter
    relocation_large_settlement_persons; None when no threshold applies). Each site carries `population`,
    `households_moved`, `threshold` and `large`."""
    area = area_by_code(area_code)
    moved = Q(relocations__moved_on__year__lte=year)
    sites = list(subtree(RelocationSite.objects.all(), area).scoped(actor, Action.VIEW).annotate(
        population=Sum("relocations__persons", filter=moved, default=0),
        households_moved=Count("relocations", filter=moved)).select_related("area").order_by("area_id", "name"))
    policy = YearPolicy.load(year)
    for site in sites:
        site.population += site.co_moved_persons
        value = policy.parameter(LARGE_SETTLEMENT, site.area_id[:2])
        site.threshold = int(value) if value is not None else None
        site.large = site.threshold is not None and site.population >= site.threshold
    return [site for site in sites if site.large] if large_only else sites


def relocated_households(*, actor, area_code: str, on: datetime.date) -> QuerySet[Relocation]:
    """Relocated households of the area (by the household's village) moved by `on`, each with `employed` (at least
    one member in work on `on`) and `certificate_number` / `certificate_issued_on` (its property certificate
    issued by then, if any)."""
    area = area_by_code(area_code)
    working = RelocationEmployment.objects.filter(household_id=OuterRef("household_id"), start_date__lte=on).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=on))
    certificate = PropertyCertificate.objects.filter(household_id=OuterRef("household_id"), issued_on__lte=on)
    return subtree(Relocation.objects.all(), area, area_field="household__area").scoped(actor, Action.VIEW).filter(
        moved_on__lte=on).annotate(
        employed=Exists(working), certificate_number=Subquery(certificate.values("number")[:1]),
        certificate_issued_on=Subquery(certificate.values("issued_on")[:1])).select_related(
        "household", "site").order_by("household__area_id", "household__number")


def in_monitoring_q(prefix: str = "") -> Q:
    """A household in monitoring: a monitoring category with its risk not (yet) eliminated."""
    return ~Q(**{f"{prefix}monitoring_category": ""}) & ~Q(**{f"{prefix}risk_status": "2"})


def relocated_at_risk_not_monitored(*, actor, area_code: str, on: datetime.date) -> QuerySet[Relocation]:
    """Every relocated household at risk enters monitoring: those of the area with no member in work on `on` that
    are not in monitoring (removed households left out). Monitoring opens warnings for them
    (fupin.monitoring.relocation); this list is the report of who is still missing."""
    return relocated_households(actor=actor, area_code=area_code, on=on).filter(employed=False).exclude(
        in_monitoring_q("household__")).exclude(household__status="9")


def relocation_summary(rows: QuerySet[Relocation]) -> dict:
    """Counts of relocated households (a `relocated_households` queryset), a query each: households, with an
    employed member, with a property certificate."""
    rows = rows.order_by()
    return {"households": rows.count(), "employed": rows.filter(employed=True).count(),
            "certified": rows.filter(certificate_number__isnull=False).count()}
