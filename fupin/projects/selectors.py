"""Reads of the project bank, scoped to the actor's areas: lists, delay colours, beneficiary counts and the shares
of a year's projects (by scale and by money) that went to areas of a designation."""

import datetime
from decimal import Decimal

from django.db.models import Max, QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.models import Area
from fupin.areas.selectors import area_by_code
from fupin.core.errors import ValidationFailed
from fupin.core.records import money_sum
from fupin.funds.selectors import designated_prefixes, in_prefixes, share, within_area
from fupin.rules.policy import YearPolicy

from . import codelists as cl
from .models import (
    AssetDisposal,
    AssetIncome,
    AssetIncomeShare,
    AssetMaintenance,
    Project,
    ProjectAsset,
    ProjectBeneficiary,
    ProjectFunding,
)

ZERO = Decimal("0.00")
RED_DAYS = "project_delay_red_days"


def project_list(*, actor) -> QuerySet[Project]:
    return Project.objects.select_related("area", "helper").scoped(actor, Action.VIEW)


def household_beneficiaries(*, household) -> QuerySet[ProjectBeneficiary]:
    """Every project that reached a household the caller has already found visible, with its member: the household
    file names a project outside the reader's areas without linking it (`project_list` says which it may link)."""
    return ProjectBeneficiary.objects.filter(household=household).select_related("project", "member").order_by(
        "project__year", "project_id", "id")


# A project's records: funding, beneficiaries, assets and the assets' income, each seen wherever its project is.

def funding_list(*, actor) -> QuerySet[ProjectFunding]:
    return ProjectFunding.objects.filter(project__in=project_list(actor=actor)).select_related("project")


def beneficiary_list(*, actor) -> QuerySet[ProjectBeneficiary]:
    return ProjectBeneficiary.objects.filter(project__in=project_list(actor=actor)).select_related(
        "project", "household")


def asset_list(*, actor) -> QuerySet[ProjectAsset]:
    return ProjectAsset.objects.filter(project__in=project_list(actor=actor)).select_related(
        "project", "owner_area")  # the list shows each asset's owning area


def asset_income_list(*, actor) -> QuerySet[AssetIncome]:
    return AssetIncome.objects.filter(asset__project__in=project_list(actor=actor)).select_related(
        "asset__project")


def maintenance_list(*, actor) -> QuerySet[AssetMaintenance]:
    return AssetMaintenance.objects.filter(asset__project__in=project_list(actor=actor)).select_related("asset")


def income_share_list(*, actor) -> QuerySet[AssetIncomeShare]:
    """Distributions of asset income, with the household's number (never an ID number: a public-safe listing)."""
    return AssetIncomeShare.objects.filter(income__asset__project__in=project_list(actor=actor)).select_related(
        "income__asset", "household", "area")


def disposal_list(*, actor) -> QuerySet[AssetDisposal]:
    return AssetDisposal.objects.filter(asset__project__in=project_list(actor=actor)).select_related(
        "asset", "asset__owner_area")


def projects_in(*, area: Area, year: int) -> QuerySet[Project]:
    """A plan year's projects located in an area, cancelled ones left out (they formed nothing)."""
    return Project.objects.filter(within_area("area", area), year=year).exclude(status="cancelled")


# Delay colours ---------------------------------------------------------------------------------------------------

def red_days(year: int, area_code: str, policies: dict | None = None) -> int:
    """Days overdue beyond which a stage is red: the policy parameter in force in `year` for the province."""
    policies = {} if policies is None else policies
    if year not in policies:
        policies[year] = YearPolicy.load(year)
    value = policies[year].parameter(RED_DAYS, area_code[:2])
    if value is None:
        raise ValidationFailed(_("The policy parameter %(code)s is not set for %(year)s."), field=RED_DAYS,
                               code=RED_DAYS, year=year)
    return int(value)


def delay_status(project: Project, on: datetime.date, *, policies: dict | None = None) -> dict:
    """Green, yellow or red for a project on a day, judged on its current (first incomplete) stage and on the
    project's own planned end: on or before both green; overdue by 1 up to N days yellow; by more than N days
    red (N from policy in force on the day, for the project's province). Days overdue count from whichever of
    the two planned ends passed first, so a project due 2016-12-31 that never started is red in 2020 even though
    its stages were never planned. A completed project is green and reports how many days after its plan it
    completed."""
    stages = sorted(project.stages.all(), key=lambda row: cl.STAGE_ORDER.index(row.stage))
    current = next((row for row in stages if row.completed_on is None), None)
    result = {"project": project.pk, "colour": "green", "stage": None, "planned_end": None, "days_overdue": 0,
              "completed_late_days": None}
    if current is None:
        last = stages[-1] if stages else None
        due = [day for day in (last.planned_end if last else None, project.planned_end) if day]
        if last is not None and last.completed_on and due:
            result["completed_late_days"] = max((last.completed_on - min(due)).days, 0)
        return result
    result.update(stage=current.stage, planned_end=current.planned_end or project.planned_end)
    if project.status == "cancelled":
        return {**result, "colour": None}
    due = [day for day in (current.planned_end, project.planned_end) if day]
    if not due or on <= min(due):
        return result
    deadline = min(due)
    overdue = (on - deadline).days
    colour = "yellow" if overdue <= red_days(on.year, project.area_id, policies) else "red"
    return {**result, "colour": colour, "planned_end": deadline, "days_overdue": overdue}


def project_delays(*, actor, area_code: str, on: datetime.date) -> list[dict]:
    """Delay colours of the open projects in an area on a day (policy read once per year)."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    policies: dict = {}
    projects = project_list(actor=actor).filter(within_area("area", area)).exclude(
        status__in=["completed", "cancelled"]).prefetch_related("stages")
    return [{**delay_status(project, on, policies=policies), "name": project.name, "area": project.area_id}
            for project in projects.order_by("area_id", "id")]


# Beneficiaries and shares ----------------------------------------------------------------------------------------

def beneficiary_counts(projects: QuerySet[Project]) -> dict:
    """Distinct households benefiting from any of the projects, and persons: per household the most persons any
    one of its benefits reached (the same people benefit from several projects, so summing would count them
    again)."""
    per_household = ProjectBeneficiary.objects.filter(project__in=projects).values("household").annotate(
        persons=Max("persons"))
    rows = list(per_household)
    return {"households": len(rows), "persons": sum(row["persons"] for row in rows)}


def _money(projects) -> Decimal:
    return money_sum(ProjectFunding.objects.filter(project__in=projects), "planned")


def _scale(projects) -> Decimal:
    return money_sum(projects, "planned_scale")


def type_share_to_designated(*, actor, area_code: str, year: int, project_type: str,
                             designation_type: str) -> dict:
    """The part of a plan year's projects of one type in an area (a province) located in areas designated
    `designation_type` that year: by planned scale (亩, 千瓦, 户 … of the type) and by planned money."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    if project_type not in cl.PROJECT_TYPE.values:
        raise ValidationFailed(_("Unknown project type “%(type)s”."), field="project_type", type=project_type)
    projects = projects_in(area=area, year=year).filter(type=project_type)
    prefixes = designated_prefixes(designation_type, year, area)
    designated = projects.filter(in_prefixes("area", prefixes))
    scale, scale_designated = _scale(projects), _scale(designated)
    money, money_designated = _money(projects), _money(designated)
    return {"type": project_type, "unit": cl.unit_of(project_type),
            "scale": {"designated": scale_designated, "total": scale, "share": share(scale_designated, scale)},
            "money": {"designated": money_designated, "total": money, "share": share(money_designated, money)}}
