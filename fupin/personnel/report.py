"""The helping personnel's figures of an area for a year (the second seed's "11,652 contact leaders, 13,985 work
teams with 40,180 members, 10,009 first secretaries (≥ 60 % from province or city in poor counties), 77 cadres
seconded by central units, 7.2 万 trained"). Head counts are as of 31 December; training counts the year's
programmes. Every figure says which records and filters produced it.

Decisions the figures rest on:
- People are counted once however many records they have: contact leaders, team members and first secretaries
  are distinct cadres (a first secretary who also captains the team is one member).
- A poor county is an area designated poor_county, key_county or contiguous_area_county in force in the year
  (designated by then, not exited before it), as the exit evaluation counts them.
- A seconded cadre of a central unit is a cadre whose own unit (Cadre.unit) is a central_unit party serving on
  31 December as a team member or a contact leader in the area; the team's dispatching unit does not decide it,
  because one team may gather cadres of several units.
- Training counts completed trainees only (someone who dropped out was not trained): trained persons are distinct
  members plus distinct cadres, person-times are enrolments, moved into jobs are distinct completed trainees
  with a job; the budget is the programmes' budgets.
"""

import datetime

from django.db.models import Q

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.selectors import area_by_code, designations_in_force
from fupin.cooperation.models import LabourTransfer, Pairing, TalentExchange
from fupin.core.areacodes import code_range
from fupin.core.figures import Figures
from fupin.core.records import money_sum

from . import codelists as cl
from .models import ContactLeader, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from .selectors import within_area

POOR_COUNTY = ("poor_county", "key_county", "contiguous_area_county")
COUNTY_PREFIX = 6


def poor_county_prefixes(year: int) -> set[str]:
    designations = designations_in_force(POOR_COUNTY, year)
    return {code[:COUNTY_PREFIX] for code in designations.values_list("area_id", flat=True)}


def _distinct_persons(trainees) -> int:
    return (trainees.filter(member__isnull=False).values("member").distinct().count()
            + trainees.filter(cadre__isnull=False).values("cadre").distinct().count())


def personnel_figures(*, actor, area_code: str, year: int) -> list[dict]:
    area = area_by_code(area_code)
    require(actor, Action.VIEW, area.code)
    day = datetime.date(year, 12, 31)
    figures = Figures(period={"area": area.code, "year": year})

    contacts = ContactLeader.objects.filter(within_area("area", area)).serving_on(day)
    figures.add("contact_leaders", contacts.values("cadre").distinct().count(), "personnel.contactleader",
                serving_on=day, distinct="cadre")
    teams = WorkTeam.objects.filter(within_area("village", area)).serving_on(day)
    figures.add("work_teams", teams.count(), "personnel.workteam", serving_on=day)
    # The team must serve too: an open membership end means "until the team ends".
    members = TeamMembership.objects.filter(team__in=teams).serving_on(day)
    figures.add("team_members", members.values("cadre").distinct().count(), "personnel.teammembership",
                serving_on=day, distinct="cadre")
    secretaries = members.filter(role="first_secretary")
    figures.add("first_secretaries", secretaries.values("cadre").distinct().count(), "personnel.teammembership",
                serving_on=day, role="first_secretary", distinct="cadre")

    poor_counties = poor_county_prefixes(year)
    in_poor_counties: dict[int, str] = {}
    for cadre, village, level in secretaries.values_list("cadre_id", "team__village_id", "dispatch_level"):
        if village[:COUNTY_PREFIX] in poor_counties:
            in_poor_counties[cadre] = level
    from_above = sum(1 for level in in_poor_counties.values() if level in cl.PROVINCE_OR_PREFECTURE)
    figures.add("first_secretary_province_city_share_in_poor_counties",
                from_above / len(in_poor_counties) if in_poor_counties else None, "personnel.teammembership",
                serving_on=day, role="first_secretary", designations=list(POOR_COUNTY),
                dispatch_levels=sorted(cl.PROVINCE_OR_PREFECTURE), ratio="dispatched by them / all, distinct cadre")

    central = "central_unit"
    seconded = (set(members.filter(cadre__unit__kind=central).values_list("cadre_id", "cadre__unit_id"))
                | set(contacts.filter(cadre__unit__kind=central).values_list("cadre_id", "cadre__unit_id")))
    figures.add("central_unit_seconded_cadres", len({cadre for cadre, _unit in seconded}),
                "personnel.teammembership+personnel.contactleader", serving_on=day, unit_kind=central,
                distinct="cadre")
    figures.add("central_units_seconding", len({unit for _cadre, unit in seconded}),
                "personnel.teammembership+personnel.contactleader", serving_on=day, unit_kind=central,
                distinct="unit")

    programmes = TrainingProgramme.objects.filter(within_area("area", area), year=year)
    low, high = code_range(area.prefix)
    trainees = Trainee.objects.filter(programme__in=programmes, completed=True)
    figures.add("trained_persons", _distinct_persons(trainees), "personnel.trainee", completed=True,
                distinct="member or cadre")
    figures.add("trained_persons_by_kind",
                {kind: _distinct_persons(trainees.filter(programme__kind=kind)) for kind in
                 sorted(set(programmes.values_list("kind", flat=True)))},
                "personnel.trainee", completed=True, distinct="member or cadre", group="programme kind")
    figures.add("training_person_times", trainees.count(), "personnel.trainee", completed=True)
    figures.add("training_budget", money_sum(programmes, "budget"),
                "personnel.trainingprogramme")
    figures.add("trained_moved_into_jobs", _distinct_persons(trainees.filter(moved_into_job=True)),
                "personnel.trainee", completed=True, moved_into_job=True, distinct="member or cadre")
    # 农村贫困劳动力免费职业培训 (the seed's 7.2 万 and 1.8 亿) is the vocational programmes of the area itself.
    vocational = programmes.filter(kind="vocational", organiser__isnull=True)
    figures.add("vocational_trained_persons", _distinct_persons(trainees.filter(programme__in=vocational)),
                "personnel.trainee", completed=True, programme_kind="vocational", organiser=None,
                distinct="member or cadre")
    figures.add("vocational_budget", money_sum(vocational, "budget"), "personnel.trainingprogramme",
                kind="vocational", organiser=None)
    figures.add("central_unit_training_person_times", trainees.filter(programme__organiser__kind=central).count(),
                "personnel.trainee", completed=True, organiser_kind=central)
    transfers = LabourTransfer.objects.filter(area_id__gte=low, area_id__lte=high, start_date__year=year)
    figures.add("labour_transfers", transfers.count(), "cooperation.labourtransfer", start_year=year,
                unit="person-times")
    figures.add("central_unit_labour_transfers", transfers.filter(pairing__helper__kind=central).count(),
                "cooperation.labourtransfer", start_year=year, pairing_helper_kind=central, unit="person-times")
    _deep_county_helpers(figures, area, year, day)
    return figures.items


# What stands behind each deep-poverty county (the second seed's 帮扶力量重点集结): kind of helper → how to count
# it for one county prefix on a day. Each figure is the fewest any deep county has, so "every deep county has at
# least one …" reads directly off it.
DEEP = "deep_poverty_county"


def _helpers_of(prefix: str, day: datetime.date) -> dict[str, int]:
    low, high = code_range(prefix)
    inside = {"helped__area_id__gte": low, "helped__area_id__lte": high}
    pairings = Pairing.objects.filter(**inside).active_on(day)
    talents = TalentExchange.objects.filter(area_id__gte=low, area_id__lte=high, start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=day), direction="to_helped")
    return {
        "provincial_leaders": ContactLeader.objects.filter(area_id__gte=low, area_id__lte=high, level="province")
        .serving_on(day).values("cadre").distinct().count(),
        "provincial_units": pairings.filter(helper__kind="provincial_unit").values("helper").distinct().count(),
        "professionals": talents.filter(kind="professional").exclude(field="finance").count(),
        "finance_cadres": talents.filter(field="finance").count(),
        "strong_counties": pairings.filter(programme_id="strong_weak_county").values("helper").distinct().count(),
        "universities": pairings.filter(programme_id="university").values("helper").distinct().count(),
    }


def _deep_county_helpers(figures: Figures, area, year: int, day: datetime.date) -> None:
    counties = sorted({code[:COUNTY_PREFIX] for code in designations_in_force([DEEP], year).filter(
        within_area("area_id", area)).values_list("area_id", flat=True)})
    helpers = [_helpers_of(county, day) for county in counties]
    for kind in ("provincial_leaders", "provincial_units", "professionals", "finance_cadres", "strong_counties",
                 "universities"):
        counts = [row[kind] for row in helpers]
        figures.add(f"deep_county_min_{kind}", min(counts) if counts else None,
                    "personnel.contactleader+cooperation.pairing+cooperation.talentexchange", serving_on=day,
                    designation=DEEP, counties=len(counties), statistic="fewest of any deep county")
    units = [row["provincial_units"] for row in helpers]
    figures.add("deep_county_max_provincial_units", max(units) if units else None, "cooperation.pairing",
                serving_on=day, designation=DEEP, helper_kind="provincial_unit", statistic="most of any deep county")
