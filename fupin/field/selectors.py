"""What a phone may hold: the households of the villages its user may change, with their members, plans, responsible
cadres, latest year record and open home-visit tasks — labels, never codes, and no ID numbers, phones or bank
accounts (a phone gets lost; it carries only what a visit needs). Every read goes through `.scoped(actor, CHANGE)`:
the bundle is exactly what the user could write, so an entry made from it is one the server would accept.

The queries are a fixed number whatever the count of households (one per table, prefetched in bulk).
"""

import datetime

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from fupin.accounts.choices import Action
from fupin.assistance.models import HouseholdVisit, Plan, PlannedMeasure, Responsibility
from fupin.core.errors import NotFound
from fupin.monitoring.models import TaskStatus, VisitTask
from fupin.personnel.models import TeamMembership
from fupin.registry import codelists as rc
from fupin.registry.models import Household, HouseholdYear, Member

from .models import FieldEntry

DEFAULT_MAX_HOUSEHOLDS = 1000
PHOTO_FOLDER = "field/photos"  # where synced visits' and follow-ups' photos are stored (never a public URL)
# The member fields a phone may change (the rest need papers the office checks: ID numbers, relations, names).
MEMBER_EDITABLE = {"health": rc.HEALTH, "labour": rc.LABOUR, "work_location": rc.WORK_LOCATION,
                   "school_status": rc.SCHOOL_STATUS}
# The income items a phone may enter for the year; net income is recomputed by the registry's service.
INCOME_EDITABLE = ("wage_income", "business_income", "property_income", "transfer_income", "business_expense")


def max_households() -> int:
    return int(getattr(settings, "FUPIN_FIELD_MAX_HOUSEHOLDS", DEFAULT_MAX_HOUSEHOLDS))


def households_for_phone(*, actor) -> QuerySet[Household]:
    return Household.objects.select_related("area").scoped(actor, Action.CHANGE).order_by("area_id", "number")


def household_for_entry(*, actor, pk) -> Household:
    """A household the actor may change; NotFound otherwise (outside the grant answers as missing)."""
    household = households_for_phone(actor=actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if household is None:
        raise NotFound()
    return household


def households_for_batch(*, actor, pks) -> dict[int, Household]:
    """The households a batch of entries names that the actor may change, by id (one query for the batch; one
    the actor may not change is absent, as a missing one)."""
    ids = {int(pk) for pk in pks if str(pk).isdigit()}
    return {household.pk: household for household in households_for_phone(actor=actor).filter(pk__in=ids)} if ids \
        else {}


def duties_for_batch(household_ids) -> dict[int, list[Responsibility]]:
    """All the responsibilities of these households (with their cadres), by household: one query for a batch."""
    duties: dict[int, list[Responsibility]] = {}
    if not household_ids:  # a batch of check-ins, or of entries answered before: nothing to read
        return duties
    for duty in (Responsibility.objects.select_related("cadre").filter(household_id__in=list(household_ids))
                 .order_by("household_id", "start_date", "id")):
        duties.setdefault(duty.household_id, []).append(duty)
    return duties


def memberships_for_batch(*, actor, pks) -> dict[int, TeamMembership]:
    ids = {int(pk) for pk in pks if str(pk).isdigit()}
    return {membership.pk: membership for membership in TeamMembership.objects.select_related("team", "cadre")
            .scoped(actor, Action.CHANGE).filter(pk__in=ids)} if ids else {}


def member_for_entry(*, actor, pk) -> Member:
    member = (Member.objects.select_related("household", "household__area").scoped(actor, Action.CHANGE)
              .filter(pk=pk).first()) if str(pk).isdigit() else None
    if member is None:
        raise NotFound()
    return member


def membership_for_entry(*, actor, pk) -> TeamMembership:
    membership = (TeamMembership.objects.select_related("team", "cadre").scoped(actor, Action.CHANGE)
                  .filter(pk=pk).first()) if str(pk).isdigit() else None
    if membership is None:
        raise NotFound()
    return membership


def task_for_entry(*, actor, pk) -> VisitTask:
    task = (VisitTask.objects.select_related("warning", "household", "cadre").scoped(actor, Action.CHANGE)
            .filter(pk=pk).first()) if str(pk).isdigit() else None
    if task is None:
        raise NotFound()
    return task


def responsible_cadre(*, household: Household, cadre_id, on: datetime.date, duties: list | None = None):
    """The household's responsible cadre on the day the phone names (a visit is made by one of them); `duties`:
    the household's responsibilities read beforehand (duties_for_batch), else they are read here."""
    if not str(cadre_id).isdigit():
        return None
    if duties is not None:
        duty = next((duty for duty in duties if duty.cadre_id == int(cadre_id) and duty.start_date <= on
                     and (duty.end_date is None or duty.end_date >= on)), None)
    else:
        duty = (Responsibility.objects.select_related("cadre")
                .filter(household=household, start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
                .filter(cadre_id=cadre_id).first())
    return duty.cadre if duty else None


def year_record(*, household: Household, year: int, for_update: bool = False) -> HouseholdYear | None:
    rows = HouseholdYear.objects.filter(household=household, year=year)
    return (rows.select_for_update() if for_update else rows).first()


def household_version(pk: int) -> int:
    return Household.objects.values_list("version", flat=True).get(pk=pk)


def visit_photo(*, actor, visit_id: int, number: int) -> str | None:
    """The storage name of a visit's `number`th photo (from 1), if the actor may see the visit's household; None
    otherwise (outside the grant answers as missing). Only names under the field app's photo folder are served."""
    visit = HouseholdVisit.objects.scoped(actor, Action.VIEW).filter(pk=visit_id).only("id", "photos").first()
    photos = visit.photos if visit is not None and isinstance(visit.photos, list) else []
    if not 1 <= number <= len(photos):
        return None
    name = str(photos[number - 1])
    return name if name.startswith(f"{PHOTO_FOLDER}/") and ".." not in name else None


def entry_answered(*, actor, client_id) -> FieldEntry | None:
    return FieldEntry.objects.filter(user=actor, client_id=client_id).first()


def entries_answered(*, actor, client_ids) -> dict:
    """The answers already given to any of these entries of the user's, by client id (one query for a batch)."""
    return {entry.client_id: entry.answer for entry in FieldEntry.objects.filter(user=actor,
                                                                                client_id__in=list(client_ids))}


def entry_list(*, actor) -> QuerySet[FieldEntry]:
    return FieldEntry.objects.select_related("user", "household").scoped(actor, Action.VIEW)


def _label(code_list, code) -> str:
    return code_list.label(code) if code in code_list.values else (code or "")


def _member(member: Member, today: datetime.date) -> dict:
    age = None
    if member.birth_date:
        born = member.birth_date
        age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return {"id": member.pk, "name": member.name, "relation": _label(rc.RELATION, member.relation),
            "sex": _label(rc.SEX, member.sex), "age": age,
            **{name: getattr(member, name) for name in MEMBER_EDITABLE},
            **{f"{name}_label": _label(codes, getattr(member, name)) for name, codes in MEMBER_EDITABLE.items()}}


def _year(row: HouseholdYear | None) -> dict | None:
    if row is None:
        return None
    return {"year": row.year, "updated_at": row.updated_at.isoformat(),
            "net_income_per_capita": str(row.net_income_per_capita) if row.net_income_per_capita is not None else None,
            **{name: str(getattr(row, name)) if getattr(row, name) is not None else None for name in INCOME_EDITABLE}}


def phone_bundle(*, actor, today: datetime.date | None = None) -> dict:
    """The phone's copy of the user's villages (see the module's note)."""
    today = today or timezone.localdate()
    limit = max_households()
    households = list(households_for_phone(actor=actor).prefetch_related(
        Prefetch("members", queryset=Member.objects.filter(is_active=True).order_by("relation", "id"),
                 to_attr="active_members"))[:limit + 1])
    truncated = len(households) > limit
    households = households[:limit]
    ids = [h.pk for h in households]
    plans: dict[int, list] = {}
    for plan in (Plan.objects.filter(household_id__in=ids).order_by("household_id", "-year")
                 .prefetch_related(Prefetch("planned", queryset=PlannedMeasure.objects.select_related(
                     "measure_type").order_by("id")))):
        plans.setdefault(plan.household_id, []).append({
            "year": plan.year, "outcome": plan.get_outcome_display(),
            "causes": [_label(rc.CAUSE, code) for code in plan.causes],
            "measures": [measure.measure_type.label() for measure in plan.planned.all()]})
    duties: dict[int, list] = {}
    cadres: dict[int, str] = {}
    for duty in (Responsibility.objects.filter(household_id__in=ids, start_date__lte=today)
                 .filter(Q(end_date__isnull=True) | Q(end_date__gte=today)).select_related("cadre")
                 .order_by("household_id", "start_date")):
        duties.setdefault(duty.household_id, []).append(duty.cadre_id)
        cadres[duty.cadre_id] = duty.cadre.name
    visits: dict[int, str] = {}
    for household_id, visited_on in (HouseholdVisit.objects.filter(household_id__in=ids)
                                     .order_by("household_id", "visited_on").values_list("household_id",
                                                                                         "visited_on")):
        visits[household_id] = visited_on.isoformat()
    years: dict[int, HouseholdYear] = {}
    for row in HouseholdYear.objects.filter(household_id__in=ids).order_by("household_id", "year"):
        years[row.household_id] = row
    tasks: dict[int, list] = {}
    for task in (VisitTask.objects.filter(household_id__in=ids, status=TaskStatus.OPEN)
                 .select_related("warning").order_by("due_on", "id")):
        tasks.setdefault(task.household_id, []).append({
            "id": task.pk, "due_on": task.due_on.isoformat(), "message": task.warning.text,
            "cadre": task.cadre_id})
    memberships = []
    for membership in (TeamMembership.objects.scoped(actor, Action.CHANGE).serving_on(today)
                       .select_related("team", "team__village", "cadre").order_by("team__village_id", "id")):
        memberships.append({"id": membership.pk, "cadre": membership.cadre.name, "village": membership.team.village_id,
                            "village_name": membership.team.village.name, "role": membership.get_role_display()})
    villages = {}
    rows = []
    for household in households:
        villages[household.area_id] = household.area.name
        members = household.active_members
        head = next((m.name for m in members if m.relation == rc.HEAD), members[0].name if members else "")
        rows.append({
            "id": household.pk, "number": household.number, "village": household.area_id, "head": head,
            "version": household.version, "status": household.get_status_display(),
            "main_cause": _label(rc.CAUSE, household.main_cause),
            "members": [_member(member, today) for member in members],
            "plans": plans.get(household.pk, []), "cadres": duties.get(household.pk, []),
            "last_visit": visits.get(household.pk), "year": _year(years.get(household.pk)),
            "tasks": tasks.get(household.pk, [])})
    return {
        "user": actor.get_username(), "generated_at": timezone.now().isoformat(), "today": today.isoformat(),
        "truncated": truncated, "limit": limit,
        "villages": [{"code": code, "name": name} for code, name in sorted(villages.items())],
        "cadres": [{"id": pk, "name": name} for pk, name in sorted(cadres.items(), key=lambda item: item[1])],
        "memberships": memberships, "households": rows,
        "choices": {name: [{"code": item.code, "label": item.label()} for item in codes.codes]
                    for name, codes in MEMBER_EDITABLE.items()},
    }
