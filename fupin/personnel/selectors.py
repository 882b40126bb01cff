"""Reads of the helping personnel, scoped to the actor's areas: teams, memberships and check-ins by the team's
village, contacts by the contacted area, training and appraisal by the organising area. A cadre is visible in the
area keeping the record and wherever they serve or contact."""

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code, within_area
from fupin.core.errors import ValidationFailed
from fupin.rules.policy import YearPolicy

from .models import (
    AppraisalScheme,
    AppraisalScore,
    Cadre,
    CheckIn,
    ContactLeader,
    TeamMembership,
    Trainee,
    TrainingProgramme,
    WorkTeam,
)

ATTENDANCE_PARAMETER = "team_attendance_days_min"
ONE_DAY = datetime.timedelta(days=1)


def cadre_list(*, actor) -> QuerySet[Cadre]:
    return Cadre.objects.select_related("area", "unit").scoped(actor, Action.VIEW)


def cadre_by_id_number(text: str) -> Cadre | None:
    """The cadre a form names by their full ID number (any area's: a village records visits of cadres its county
    keeps; the service checks the right to write where the record goes), or None."""
    return Cadre.objects.filter(id_number=text.strip().upper()).first()


def team_list(*, actor) -> QuerySet[WorkTeam]:
    return WorkTeam.objects.select_related("village", "unit").scoped(actor, Action.VIEW)


def membership_list(*, actor) -> QuerySet[TeamMembership]:
    return TeamMembership.objects.select_related("team", "cadre").scoped(actor, Action.VIEW)


def contact_list(*, actor) -> QuerySet[ContactLeader]:
    return ContactLeader.objects.select_related("cadre", "area").scoped(actor, Action.VIEW)


def check_in_list(*, actor) -> QuerySet[CheckIn]:
    return CheckIn.objects.select_related("membership__team").scoped(actor, Action.VIEW)


def programme_list(*, actor) -> QuerySet[TrainingProgramme]:
    return TrainingProgramme.objects.select_related("area").scoped(actor, Action.VIEW)


def trainee_list(*, actor) -> QuerySet[Trainee]:
    return Trainee.objects.select_related("programme", "member", "cadre").scoped(actor, Action.VIEW)


def scheme_list(*, actor) -> QuerySet[AppraisalScheme]:
    return AppraisalScheme.objects.select_related("area").scoped(actor, Action.VIEW)


def score_list(*, actor) -> QuerySet[AppraisalScore]:
    return AppraisalScore.objects.select_related("scheme", "team", "unit", "cadre").scoped(actor, Action.VIEW)


# Rotation gaps --------------------------------------------------------------------------------------------------
def coverage_gaps(terms: list[tuple[datetime.date, datetime.date | None]], start: datetime.date,
                  end: datetime.date) -> list[dict]:
    """Runs of days in [start, end] that no term covers; terms are (first day, last day or None = open). Days
    before the first term are no gap: there was nothing to rotate yet."""
    if not terms:
        return []
    terms = sorted(terms)
    covered_until = max(start, terms[0][0]) - ONE_DAY  # the last day known to be covered (or not to matter)
    gaps = []
    for first, last in terms:
        if first > end or covered_until >= end:
            break
        if first > covered_until + ONE_DAY:
            gaps.append((covered_until + ONE_DAY, first - ONE_DAY))
        covered_until = end if last is None else max(covered_until, last)
    if covered_until < end:
        gaps.append((covered_until + ONE_DAY, end))
    return [{"from": low, "to": high, "days": (high - low).days + 1} for low, high in gaps]


def rotation_gaps(*, actor, area_code: str, start: datetime.date, end: datetime.date) -> list[dict]:
    """Per village of the area (or the village itself) that had a team by `end`: the runs of days in
    [start, end] with no team serving (压茬轮换 leaves none: a team ending 03-31 and the next starting 04-01 is
    no gap) and, measured the same way, with no first secretary serving."""
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    if end < start:
        raise ValidationFailed(_("The end date is before the start date."), field="end")
    teams = WorkTeam.objects.filter(within_area("village", area), start_date__lte=end).select_related("village")
    team_terms: dict[str, list] = {}
    names: dict[str, str] = {}
    for team in teams.order_by("village_id", "start_date"):
        team_terms.setdefault(team.village_id, []).append((team.start_date, team.end_date))
        names[team.village_id] = team.village.name
    secretary_terms: dict[str, list] = {}
    secretaries = TeamMembership.objects.filter(team__in=teams, role="first_secretary", start_date__lte=end)
    for village, first, last, team_last in secretaries.values_list("team__village_id", "start_date", "end_date",
                                                                   "team__end_date"):
        secretary_terms.setdefault(village, []).append((first, last or team_last))
    return [{"village": village, "name": names[village],
             "team_gaps": coverage_gaps(terms, start, end),
             "first_secretary_gaps": coverage_gaps(secretary_terms.get(village, []), start, end)}
            for village, terms in team_terms.items()]


# Attendance -----------------------------------------------------------------------------------------------------
def _required_days(policy: YearPolicy, province: str) -> Decimal | None:
    return policy.parameter(ATTENDANCE_PARAMETER, province)


def attendance(*, actor, year: int, month: int, team: WorkTeam | None = None,
               area_code: str | None = None) -> list[dict]:
    """Days each member of a team (or of every team in an area) checked in during the month, and whether that is
    below the province's required days per month (policy parameter `team_attendance_days_min`; none set: no
    requirement, never below). A member serving part of the month owes the share of the requirement for the days
    they served, rounded half up; a cadre holding two roles in a team is one member."""
    if (team is None) == (area_code is None):
        raise ValidationFailed(_("Give either a team or an area."), field="area")
    first = datetime.date(year, month, 1)
    last = datetime.date(year, month, calendar.monthrange(year, month)[1])
    month_days = (last - first).days + 1
    if team is not None:
        require(actor, Action.VIEW, team.village_id)
        memberships = TeamMembership.objects.filter(team=team)
    else:
        area = area_by_code(area_code)
        require(actor, Action.VIEW, area.code)
        memberships = TeamMembership.objects.filter(within_area("team__village", area))
    memberships = memberships.filter(start_date__lte=last).filter(
        Q(end_date__gte=first) | Q(end_date__isnull=True, team__end_date__isnull=True)
        | Q(end_date__isnull=True, team__end_date__gte=first)).select_related("team__village", "cadre")
    rows: dict[tuple[int, int], dict] = {}
    for membership in memberships.order_by("team__village_id", "team_id", "cadre__name", "start_date"):
        term_end = membership.end_date or membership.team.end_date or last
        served = {first + ONE_DAY * offset for offset in range(month_days)
                  if membership.start_date <= first + ONE_DAY * offset <= term_end}
        row = rows.setdefault((membership.team_id, membership.cadre_id), {
            "team": membership.team_id, "village": membership.team.village_id,
            "village_name": membership.team.village.name, "cadre": membership.cadre_id,
            "name": membership.cadre.name, "roles": [], "memberships": [], "served": set()})
        row["roles"].append(membership.role)
        row["memberships"].append(membership.pk)
        row["served"] |= served
    days: dict[tuple[int, int], set] = {}
    check_ins = CheckIn.objects.filter(membership__in=[pk for row in rows.values() for pk in row["memberships"]],
                                       day__range=(first, last))
    for team_id, cadre_id, day in check_ins.values_list("membership__team_id", "membership__cadre_id", "day"):
        days.setdefault((team_id, cadre_id), set()).add(day)
    policy = YearPolicy.load(year)
    result = []
    for key, row in rows.items():
        required = _required_days(policy, row["village"][:2])
        served = len(row.pop("served"))
        owed = None
        if required is not None:
            owed = int((Decimal(required) * served / month_days).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        present = len(days.get(key, ()))
        result.append({**row, "days_served": served, "days": present, "required": owed,
                       "below": owed is not None and present < owed})
    return result
