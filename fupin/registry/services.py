"""Every write to the registry: permission, validation, one transaction, an audit event.

Single-record writes (forms, API) and the bulk path (imports, the demo) share the same cleaning and checks.
"""

import datetime
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can, require
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.journal import audit_look
from fupin.audit.services import audit_record
from fupin.core.areacodes import Level
from fupin.core.changes import mark_changed
from fupin.core.errors import Conflict, NotFound, ValidationFailed
from fupin.core.sql import any_of, chunked, insert_rows
from fupin.core.temporal import fact_date, not_before

from . import codelists as cl
from .changes import mark_households
from .consistency import cause_extras_allowed, check_submission, warnings_for
from .masking import MASKS, mask_id_number, masked
from .models import DuplicateCandidate, Household, HouseholdYear, Member, MemberEvent, StatusTransition
from .names import name_keys
from .validation import (
    NON_NEGATIVE_MONEY,
    TRANSFER_ITEMS,
    YEAR_BLANK,
    Problem,
    RegistryInvalid,
    check_income,
    check_structure,
    clean_household,
    clean_member,
    clean_year,
    compute_income,
    ledger_entered,
)

HOUSEHOLD_REGISTERED = audit_registry.register("registry.household_registered", _("registered a household"))
HOUSEHOLD_UPDATED = audit_registry.register("registry.household_updated", _("changed a household"))
HOUSEHOLDS_BULK = audit_registry.register("registry.households_bulk_registered", _("registered households in bulk"))
MEMBER_UPDATED = audit_registry.register("registry.member_updated", _("changed a member"))
MEMBER_JOINED = audit_registry.register("registry.member_joined", _("added a member"))
MEMBER_LEFT = audit_registry.register("registry.member_left", _("recorded a member leaving"))
HOUSEHOLD_SPLIT = audit_registry.register("registry.household_split", _("split a household"))
HOUSEHOLD_MERGED = audit_registry.register("registry.household_merged", _("merged households"))
STATUS_CHANGED = audit_registry.register("registry.status_changed", _("changed a household's status"))
YEAR_SAVED = audit_registry.register("registry.year_saved", _("saved a household's yearly record"))
DUPLICATE_DECIDED = audit_registry.register("registry.duplicate_decided", _("decided on a possible duplicate"))
SENSITIVE_VIEWED = audit_registry.register("registry.sensitive_viewed", _("viewed an unmasked sensitive value"))

# Which status may follow which (DOMAIN_RULES §10). 注销 (9) ends a record; it is reached by merge or removal.
ALLOWED_TRANSITIONS = {
    "": {"0", "5", "1", "4", "3", "8"},
    "8": {"5", "9"},
    "5": {"0", "9"},
    "0": {"6", "1", "9"},
    "6": {"1", "0", "9"},
    "1": {"3", "4", "9"},
    "4": {"3", "9"},
    "3": {"1", "6", "9"},
    "9": set(),
}
MEMBER_FIELDS = ["name", "id_kind", "id_number", "disability_certificate", "sex", "birth_date", "relation",
                 "ethnicity", "education", "school_status", "health", "labour", "work_location", "work_months",
                 "in_basic_medical", "in_critical_illness", "in_pension", "in_employee_pension", "on_dibao",
                 "on_tekun", "active_soldier"]
HOUSEHOLD_FIELDS = ["id_standard", "attribute", "main_cause", "other_causes", "status", "monitoring_category",
                    "risk_status", "monitoring_since", "identified_year", "planned_exit_year", "exit_year",
                    "return_year", "phone", "bank_name", "bank_account", "is_relocated", "relocation_year",
                    "is_martyr_family", "is_one_child", "is_two_daughters"]


@dataclass
class Registration:
    household: Household
    warnings: list[Problem] = field(default_factory=list)
    possible_duplicates: int = 0


# Helpers -------------------------------------------------------------------------------------------------------
def _village(area_code: str) -> Area:
    area = Area.objects.filter(code=area_code).first()
    if area is None:
        raise ValidationFailed(_("No area has the code %(code)s."), field="area", code=area_code)
    if area.level != Level.VILLAGE:
        raise ValidationFailed(_("A household belongs to a village; %(name)s is not one."), field="area",
                               name=area.name)
    return area


def _member_row(household: Household, data: dict) -> Member:
    return Member(**_member_values(household.pk, data))


def _set_name_keys(member: Member) -> None:
    member.name_simplified, member.name_pinyin, member.name_initials = name_keys(member.name)


def _member_snapshot(member: Member) -> dict:
    # The audit trail is read by support staff: no raw ID numbers, phones or accounts in it.
    return masked({name: getattr(member, name) for name in MEMBER_FIELDS})


def _household_snapshot(household: Household) -> dict:
    return {"number": household.number, "area": household.area_id,
            **masked({name: getattr(household, name) for name in HOUSEHOLD_FIELDS})}


def _raise_if(problems: list[Problem]) -> None:
    if problems:
        raise RegistryInvalid(problems)


# An ID number held in a household the user may not see: saying where would confirm another area's facts.
REGISTERED_OUTSIDE = _("ID number %(id)s is already registered outside your areas.")


def _refuse_registered_ids(numbers: Iterable[str], *, actor, excluding_household: int | None = None) -> None:
    """Refuse ID numbers already held by an active member of another household, naming that household if the
    actor may see it."""
    numbers = sorted({n for n in numbers if n})
    for chunk in chunked(numbers, 500):
        clash = (Member.objects.filter(is_active=True, id_number__in=chunk)
                 .exclude(household_id=excluding_household).select_related("household__area").first())
        if clash is not None and not can(actor, Action.VIEW, clash.household.area_id):
            raise Conflict(REGISTERED_OUTSIDE, id=mask_id_number(clash.id_number))
        if clash is not None:
            raise Conflict(
                _("ID number %(id)s is already registered in household %(number)s of %(village)s."),
                id=mask_id_number(clash.id_number), number=clash.household.number,
                village=clash.household.area.name,
            )


def flag_possible_duplicates(household_ids: list[int]) -> int:
    """Queue for review the members of these households who have no ID number and share simplified name,
    birth date and village with another active member without one. Set-based: two queries whatever the count.
    The earlier record is `member`, the later `other` (closed if the reviewer finds them one person)."""
    newcomers = list(Member.objects.filter(any_of(Member, "household", household_ids), is_active=True,
                                           id_number__isnull=True, birth_date__isnull=False)
                     .values_list("pk", "name_simplified", "birth_date", "household__area_id"))
    if not newcomers:
        return 0
    groups: dict[tuple, list[int]] = {}
    for pk, name, birth, area in (Member.objects.filter(
            is_active=True, id_number__isnull=True, name_simplified__in={n[1] for n in newcomers},
            birth_date__in={n[2] for n in newcomers}, household__area_id__in={n[3] for n in newcomers})
            .values_list("pk", "name_simplified", "birth_date", "household__area_id")):
        groups.setdefault((name, birth, area), []).append(pk)
    new_ids = {n[0] for n in newcomers}
    pairs = {(earlier, later) for ids in groups.values() for later in ids if later in new_ids
             for earlier in ids if earlier < later}
    DuplicateCandidate.objects.bulk_create([DuplicateCandidate(member_id=a, other_id=b) for a, b in sorted(pairs)],
                                           ignore_conflicts=True)
    return len(pairs)


def _lock(household: Household, version: int) -> None:
    """Optimistic locking: bump the version only if nobody else did since the client read it."""
    updated = Household.objects.filter(pk=household.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now())
    if not updated:
        raise Conflict()
    household.version = version + 1


def _active_members(household: Household) -> list[Member]:
    return list(household.members.filter(is_active=True).order_by("id"))


def _member_dicts(members: Iterable[Member]) -> list[dict]:
    return [{**{name: getattr(m, name) for name in MEMBER_FIELDS}, "is_active": m.is_active} for m in members]


def _household_dict(household: Household) -> dict:
    return {name: getattr(household, name) for name in HOUSEHOLD_FIELDS}


# A year record's fields as `clean_year` leaves them (its `net_income_per_capita_given` is a per-capita figure given
# without a ledger, as older exports give it; stored, it is `net_income_per_capita`).
YEAR_FIELDS = tuple(name for name in YEAR_BLANK if name != "net_income_per_capita_given")
# What a year opened by the roll-forward has not had entered yet: its ledger and the incomes computed from it.
NOT_ENTERED = dict.fromkeys((*NON_NEGATIVE_MONEY, "net_income", "net_income_per_capita"))


def year_merged(cleaned: dict, stored: HouseholdYear | None, cleared: Iterable[str] = ()) -> dict:
    """The whole year record an update leaves, in `clean_year`'s form: the stored record with the values given
    over it. A value not given (None, "") keeps the stored one; the names in `cleared` were given empty on purpose
    and become "not entered". A transfer total the stored record derived from its items (it equals their sum) is
    derived again when the update changes items but not the total."""
    if stored is None:
        return cleaned
    merged = {name: getattr(stored, name) for name in YEAR_FIELDS}
    given = {name: value for name, value in cleaned.items() if value is not None and value != ""}
    derived_transfers = sum((merged[item] or Decimal("0.00") for item in TRANSFER_ITEMS), Decimal("0.00"))
    if ("transfer_income" not in given and any(item in given for item in TRANSFER_ITEMS)
            and merged["transfer_income"] == derived_transfers):
        merged["transfer_income"] = None
    merged.update(given)
    merged.update((name, YEAR_BLANK[name]) for name in cleared)
    if "net_income_per_capita_given" not in given and "net_income_per_capita_given" not in cleared:
        # A per-capita figure stored without a ledger was given on its own (older exports): it stays given until
        # a ledger is entered, which then gives the figure.
        merged["net_income_per_capita_given"] = None if ledger_entered(merged) else stored.net_income_per_capita
    return merged


def year_values(cleaned: dict, size: int, status: str, *, stored: HouseholdYear | None = None,
                cleared: Iterable[str] = ()) -> dict:
    """The stored fields of a year record. Every path that writes a year comes here (forms, the API,
    `household_year_save`, imports and the demo through the bulk path), so derived figures are computed in one
    place and from the whole record: with `stored`, the record the update leaves (`year_merged`), never only the
    fields one update happens to send.

    Incomes by the national rule (DOMAIN_RULES §1.3): with a ledger entered (any amount net income is computed
    from) its blanks are 0 and net and per-capita income are computed; with only a per-capita figure (older
    exports) that figure is kept with the total it implies; with neither, every amount and both figures stay
    None: not entered, which is unknown, not an income of 0. The size is the record's, else `size`."""
    record = year_merged(cleaned, stored, cleared)
    values = {name: value for name, value in record.items() if name != "net_income_per_capita_given"}
    values["size_end"] = size_end = record.get("size_end") or size
    if ledger_entered(record):
        values.update((name, Decimal("0.00") if record.get(name) is None else record[name])
                      for name in NON_NEGATIVE_MONEY)
        if record.get("transfer_income") is None:
            values["transfer_income"] = sum((values[item] for item in TRANSFER_ITEMS), Decimal("0.00"))
        net, per_capita = compute_income(values, size_end)
    elif record.get("net_income_per_capita_given") is not None:
        per_capita = record["net_income_per_capita_given"]
        net = per_capita * size_end
    else:
        net = per_capita = None
    values["net_income"], values["net_income_per_capita"] = net, per_capita
    values["status"] = record.get("status") or status
    return values


def _apply_year(row: HouseholdYear, cleaned: dict, size: int, cleared: Iterable[str] = ()) -> None:
    """Set a year record (new, or stored: then updated by what is given) to its values (`year_values`)."""
    stored = None if row._state.adding else row
    for name, value in year_values(cleaned, size, row.status or "0", stored=stored, cleared=cleared).items():
        setattr(row, name, value)


# Registration --------------------------------------------------------------------------------------------------
def household_register(*, actor, area_code: str, household: dict, members: list[dict], year: int | None = None,
                       year_data: dict | None = None, today: datetime.date | None = None) -> Registration:
    """Register one household with its members (and the year's record): all of it, or nothing."""
    area = _village(area_code)
    require(actor, Action.CHANGE, area.code)
    today = today or timezone.localdate()
    clean_h, clean_ms, clean_y, problems, warnings = check_submission(area.code, household, members, year_data, today)
    if year_data is not None and year is None:
        problems.append(Problem("year", _("A value is required.")))
    _raise_if(problems)
    if Household.objects.filter(county_code=area.code[:6], number=clean_h["number"]).exists():
        raise Conflict(_("Household number %(number)s already exists in this county."), number=clean_h["number"])
    _refuse_registered_ids((m["id_number"] for m in clean_ms), actor=actor)
    with transaction.atomic():
        row = Household.objects.create(area=area, county_code=area.code[:6], **clean_h)
        # Registration starts a member's record (joined_on, created_at); events record changes after it.
        rows = [_member_row(row, m) for m in clean_ms]
        Member.objects.bulk_create(rows)
        if clean_y is not None:
            HouseholdYear.objects.create(household=row, year=year, **year_values(clean_y, len(rows), row.status))
        StatusTransition.objects.create(household=row, from_status="", to_status=row.status, effective_date=today,
                                        year=today.year, reason="建档立卡登记", actor=actor)
        duplicates = flag_possible_duplicates([row.pk])
        mark_households([row.pk])
        audit_record(actor=actor, action=HOUSEHOLD_REGISTERED, obj=row, area_code=area.code,
                     after={**_household_snapshot(row), "members": [_member_snapshot(m) for m in rows]})
    return Registration(row, warnings, duplicates)


def household_update(*, actor, household: Household, version: int, changes: dict,
                     today: datetime.date | None = None, action: str = Action.CHANGE) -> Registration:
    """Change household fields (not status: that is a transition). A stale `version` is a Conflict. A procedure's
    last decision applies its effect with the authority of that step (`action`)."""
    require(actor, action, household.area_id)
    if "status" in changes or "number" in changes:
        raise ValidationFailed(_("The status changes through a transition and the number never changes."),
                               field="status" if "status" in changes else "number")
    merged = {**_household_dict(household), "number": household.number, **changes}
    clean_h, problems = clean_household(merged, causes_extras_allowed=cause_extras_allowed(household.area_id[:2]))
    _raise_if(problems)
    members = _member_dicts(_active_members(household))
    warnings = warnings_for(clean_h, members, None, province_code=household.area_id[:2],
                            day=today or timezone.localdate())
    with transaction.atomic():
        _lock(household, version)
        before = _household_snapshot(household)
        for name in HOUSEHOLD_FIELDS:
            setattr(household, name, clean_h[name])
        household.save(update_fields=[*HOUSEHOLD_FIELDS, "updated_at"])
        mark_households([household.pk])
        audit_record(actor=actor, action=HOUSEHOLD_UPDATED, obj=household, area_code=household.area_id,
                     before=before, after=_household_snapshot(household))
    return Registration(household, warnings)


# Members -------------------------------------------------------------------------------------------------------
def member_update(*, actor, member: Member, household_version: int, changes: dict,
                  today: datetime.date | None = None) -> Registration:
    household = member.household
    require(actor, Action.CHANGE, household.area_id)
    if not member.is_active:
        raise ValidationFailed(_("This person has left the household; their record is history."), field="member")
    today = today or timezone.localdate()
    current = _member_dicts([member])[0]
    if "id_number" in changes and "birth_date" not in changes:
        current["birth_date"] = None  # re-derived from the new number
    cleaned, problems = clean_member({**current, **changes}, today=today)
    others = [m for m in _active_members(household) if m.pk != member.pk]
    all_members = [*_member_dicts(others), cleaned]
    problems += check_structure(all_members, None)
    _raise_if(problems)
    if cleaned["id_number"] != member.id_number:
        _refuse_registered_ids([cleaned["id_number"]], actor=actor, excluding_household=household.pk)
    warnings = warnings_for(_household_dict(household), all_members, None, province_code=household.area_id[:2],
                            day=today)
    with transaction.atomic():
        _lock(household, household_version)
        before = _member_snapshot(member)
        for name in MEMBER_FIELDS:
            setattr(member, name, cleaned[name])
        _set_name_keys(member)
        member.save()
        mark_households([household.pk])
        audit_record(actor=actor, action=MEMBER_UPDATED, obj=member, area_code=household.area_id, before=before,
                     after=_member_snapshot(member))
    return Registration(household, warnings)


def member_join(*, actor, household: Household, household_version: int, data: dict, kind: str,
                date: datetime.date) -> Member:
    require(actor, Action.CHANGE, household.area_id)
    if kind not in cl.JOIN_EVENTS:
        raise ValidationFailed(_("“%(kind)s” is not a way of joining a household."), field="kind", kind=kind)
    date = fact_date(date, field="date", label=_("date joined"))
    cleaned, problems = clean_member(data, today=date)
    problems += check_structure([*_member_dicts(_active_members(household)), cleaned], None)
    _raise_if(problems)
    _refuse_registered_ids([cleaned["id_number"]], actor=actor)
    with transaction.atomic():
        _lock(household, household_version)
        member = _member_row(household, cleaned)
        member.joined_on = date
        member.save()
        MemberEvent.objects.create(member=member, household=household, kind=kind, joined=True, date=date,
                                   recorded_by=actor)
        flag_possible_duplicates([household.pk])
        mark_households([household.pk])
        audit_record(actor=actor, action=MEMBER_JOINED, obj=member, area_code=household.area_id,
                     after={**_member_snapshot(member), "kind": kind, "date": date})
    return member


def member_leave(*, actor, member: Member, household_version: int, kind: str, date: datetime.date,
                 note: str = "", new_head: Member | None = None) -> None:
    """Record a member leaving (death, marriage, move …). The member is kept, inactive. When the head leaves,
    `new_head` (another active member) becomes head."""
    household = member.household
    require(actor, Action.CHANGE, household.area_id)
    if kind not in cl.LEAVE_EVENTS:
        raise ValidationFailed(_("“%(kind)s” is not a way of leaving a household."), field="kind", kind=kind)
    if not member.is_active:
        raise ValidationFailed(_("This person has already left the household."), field="member")
    date = fact_date(date, field="date", label=_("date left"))
    not_before(date, member.joined_on, field="date", label=_("date left"), earlier_label=_("the date they joined"))
    remaining = [m for m in _active_members(household) if m.pk != member.pk]
    needs_new_head = member.relation == cl.HEAD and remaining
    if needs_new_head and (new_head is None or new_head.pk not in {m.pk for m in remaining}):
        raise ValidationFailed(_("The head is leaving: name another member of the household as head."),
                               field="new_head")
    with transaction.atomic():
        _lock(household, household_version)
        member.is_active, member.left_on = False, date
        member.save(update_fields=["is_active", "left_on", "updated_at"])
        MemberEvent.objects.create(member=member, household=household, kind=kind, joined=False, date=date,
                                   note=note, recorded_by=actor)
        after = {"member": member.pk, "kind": kind, "date": date, "note": note}
        if member.relation == cl.HEAD and new_head is not None:
            Member.objects.filter(pk=new_head.pk).update(relation=cl.HEAD)
            after["new_head"] = new_head.pk
        mark_households([household.pk])
        audit_record(actor=actor, action=MEMBER_LEFT, obj=member, area_code=household.area_id,
                     before=_member_snapshot(member), after=after)


def _move_members(actor, members: list[Member], target: Household, relations: dict[int, str], kind: str,
                  date: datetime.date) -> list[Member]:
    """Copy members into `target` and close their old records, so both households keep their history."""
    moved = []
    for member in members:
        member.is_active, member.left_on = False, date
        member.save(update_fields=["is_active", "left_on", "updated_at"])
        MemberEvent.objects.create(member=member, household=member.household, kind=kind, joined=False, date=date,
                                   note=f"→ {target.number}", recorded_by=actor)
        copy = _member_row(target, {**_member_dicts([member])[0], "relation": relations.get(member.pk, "99")})
        copy.joined_on = date
        copy.save()
        MemberEvent.objects.create(member=copy, household=target, kind=kind, joined=True, date=date,
                                   note=f"← {member.household.number}", recorded_by=actor)
        moved.append(copy)
    return moved


def household_split(*, actor, household: Household, household_version: int, member_ids: list[int],
                    new_number: str, relations: dict[int, str], date: datetime.date) -> Household:
    """Split members off into a new household of the same village. `relations` gives each moving member's
    relation to the new head (exactly one "01"); the old household keeps its head."""
    require(actor, Action.CHANGE, household.area_id)
    date = fact_date(date, field="date", label=_("date of the split"))
    active = {m.pk: m for m in _active_members(household)}
    moving = [active[pk] for pk in member_ids if pk in active]
    if not moving or len(moving) != len(member_ids):
        raise ValidationFailed(_("Only active members of the household can be split off."), field="members")
    if any(m.relation == cl.HEAD for m in moving):
        raise ValidationFailed(_("The head stays in the household; split off the others."), field="members")
    problems = check_structure([{"relation": relations.get(m.pk, "99"), "id_number": None} for m in moving], None)
    _raise_if(problems)
    if Household.objects.filter(county_code=household.county_code, number=new_number).exists():
        raise Conflict(_("Household number %(number)s already exists in this county."), number=new_number)
    with transaction.atomic():
        _lock(household, household_version)
        new = Household.objects.create(
            number=new_number, area_id=household.area_id, county_code=household.county_code,
            **{name: getattr(household, name) for name in HOUSEHOLD_FIELDS})
        _move_members(actor, moving, new, relations, "split", date)
        StatusTransition.objects.create(household=new, from_status="", to_status=new.status, effective_date=date,
                                        year=date.year, reason=f"分户自 {household.number}", actor=actor)
        mark_households([household.pk, new.pk])
        audit_record(actor=actor, action=HOUSEHOLD_SPLIT, obj=household, area_code=household.area_id,
                     after={"new_household": new.number, "members": member_ids, "date": date})
    return new


def household_merge(*, actor, source: Household, source_version: int, target: Household, target_version: int,
                    relations: dict[int, str], date: datetime.date) -> Household:
    """Move every active member of `source` into `target` (relations to the target's head given per member,
    default 其他); `source` is closed with status 注销."""
    for household in (source, target):
        require(actor, Action.CHANGE, household.area_id)
    date = fact_date(date, field="date", label=_("date of the merger"))
    if source.pk == target.pk:
        raise ValidationFailed(_("A household cannot be merged into itself."), field="target")
    moving = _active_members(source)
    if any(relations.get(m.pk) == cl.HEAD for m in moving):
        raise ValidationFailed(_("The target household keeps its head."), field="relations")
    with transaction.atomic():
        _lock(source, source_version)
        _lock(target, target_version)
        _move_members(actor, moving, target, relations, "merge", date)
        _transition(actor, source, "9", date, f"并入 {target.number}", {"merged_into": target.number})
        mark_households([source.pk, target.pk])
        audit_record(actor=actor, action=HOUSEHOLD_MERGED, obj=target, area_code=target.area_id,
                     after={"source": source.number, "members": [m.pk for m in moving], "date": date})
    return target


# Status --------------------------------------------------------------------------------------------------------
def _transition(actor, household: Household, to_status: str, date: datetime.date, reason: str,
                evidence: dict | None, year: int | None = None) -> StatusTransition:
    """Change the status as of `date`, for the record of `year` (default: the date's year). A procedure decides
    for the year of its case, whenever it is decided: a 2019 exit decided in 2020 sets 2019's year-end status and
    exit year 2019, and the later years already rolled forward that still carry the old status."""
    from_status = household.status
    year = year or date.year
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, set()):
        raise ValidationFailed(_("A household cannot go from “%(from)s” to “%(to)s”."), field="status",
                               **{"from": cl.STATUS.label(from_status), "to": cl.STATUS.label(to_status)})
    if year > date.year:
        raise ValidationFailed(_("A change decided on %(date)s cannot belong to the later year %(year)s."),
                               field="year", date=date, year=year)
    transition = StatusTransition.objects.create(
        household=household, from_status=from_status, to_status=to_status, effective_date=date, year=year,
        reason=reason, evidence=evidence or {}, actor=actor)
    household.status = to_status
    fields = ["status", "updated_at"]
    if to_status in cl.EXITED_STATUSES and from_status not in cl.EXITED_STATUSES:
        household.exit_year = year
        household.attribute = cl.ATTRIBUTE_AFTER_EXIT.get(household.attribute, household.attribute)
        fields += ["exit_year", "attribute"]
    if to_status == "3":
        household.return_year = year
        reverse = {after: before for before, after in cl.ATTRIBUTE_AFTER_EXIT.items()}
        household.attribute = reverse.get(household.attribute, household.attribute)
        fields += ["return_year", "attribute"]
    household.save(update_fields=fields)
    HouseholdYear.objects.filter(household=household, year=year).update(status=to_status)
    HouseholdYear.objects.filter(household=household, year__gt=year, status=from_status).update(status=to_status)
    mark_households([household.pk])
    return transition


def household_transition(*, actor, household: Household, version: int, to_status: str,
                         effective_date: datetime.date, reason: str, evidence: dict | None = None,
                         action: str = Action.APPROVE, year: int | None = None) -> StatusTransition:
    """Change the status with its evidence (the procedure that decided it). Kept forever: the 脱贫轨迹. `year` is
    the year whose record the change belongs to (a procedure's case year); an earlier year than the decision's is
    a backdated effect and says so in the audit."""
    require(actor, action, household.area_id)
    effective_date = fact_date(effective_date, field="effective_date", label=_("date of the change"))
    code = to_status if to_status in cl.STATUS.values else cl.STATUS.lookup(to_status)
    if code is None:
        raise ValidationFailed(_("“%(value)s” is not a value of %(list)s."), field="status", value=to_status,
                               list=cl.STATUS.name)
    with transaction.atomic():
        _lock(household, version)
        before = household.status
        transition = _transition(actor, household, code, effective_date, reason, evidence, year)
        after = {"status": code, "date": effective_date, "reason": reason, "year": transition.year}
        if transition.year < effective_date.year:
            after["backdated"] = True
        audit_record(actor=actor, action=STATUS_CHANGED, obj=household, area_code=household.area_id,
                     before={"status": before}, after=after)
    return transition


def _cleared(data: dict) -> set[str]:
    """The year fields `data` gives empty (None, ""): to be cleared to "not entered", not left as they are."""
    names = {"net_income_per_capita_given" if name == "net_income_per_capita" else name
             for name, value in data.items() if value is None or (isinstance(value, str) and not value.strip())}
    return names & set(YEAR_BLANK)


def household_year_save(*, actor, household: Household, year: int, data: dict) -> HouseholdYear:
    """Create the year's record, or update it with the fields `data` gives: the others keep their stored values,
    and a field given empty (None, "") is cleared to "not entered". Net and per-capita income are then recomputed
    from the whole record (`year_values`), and the checks run on it, never on the fields sent alone."""
    require(actor, Action.CHANGE, household.area_id)
    cleaned, problems = clean_year(data)
    cleared = _cleared(data)
    with transaction.atomic():
        row = HouseholdYear.objects.select_for_update().filter(household=household, year=year).first()
        before = None
        if row is None:
            row = HouseholdYear(household=household, year=year, status=household.status)
        else:
            before = {"net_income_per_capita": row.net_income_per_capita, "status": row.status}
        record = year_merged(cleaned, None if row._state.adding else row, cleared)
        size = record.get("size_end") or household.members.filter(is_active=True).count()
        _raise_if(problems + check_income(record, size))
        _apply_year(row, cleaned, size, cleared)
        row.save()
        mark_changed([(household.county_code, year)])  # one year's record: the other years did not move
        audit_record(actor=actor, action=YEAR_SAVED, obj=row, area_code=household.area_id, before=before,
                     after={"year": year, "size_end": row.size_end, "net_income": row.net_income,
                            "net_income_per_capita": row.net_income_per_capita, "status": row.status})
    return row


# Duplicates and sensitive values ---------------------------------------------------------------------------------
def duplicate_decide(*, actor, candidate: DuplicateCandidate, decision: str, note: str = "") -> DuplicateCandidate:
    """`merged`: the two records are one person, the later one (`other`) is closed; `distinct`: two people."""
    area = candidate.member.household.area_id
    require(actor, Action.CHANGE, area)
    if decision not in {DuplicateCandidate.Decision.MERGED, DuplicateCandidate.Decision.DISTINCT}:
        raise ValidationFailed(_("Decide “merged” or “distinct”."), field="decision")
    if candidate.decision != DuplicateCandidate.Decision.OPEN:
        raise Conflict(_("This pair has already been decided."))
    with transaction.atomic():
        if decision == DuplicateCandidate.Decision.MERGED:
            other = candidate.other
            today = timezone.localdate()
            other.is_active, other.left_on = False, today
            other.save(update_fields=["is_active", "left_on", "updated_at"])
            MemberEvent.objects.create(member=other, household=other.household, kind="other_out", joined=False,
                                       date=today, note=f"同一人: {candidate.member.pk}", recorded_by=actor)
            mark_households([other.household_id])
        candidate.decision, candidate.note = decision, note
        candidate.decided_by, candidate.decided_at = actor, timezone.now()
        candidate.save()
        audit_record(actor=actor, action=DUPLICATE_DECIDED, obj=candidate, area_code=area,
                     after={"member": candidate.member_id, "other": candidate.other_id, "decision": decision,
                            "note": note})
    return candidate


def sensitive_value(*, actor, obj: Household | Member, field_name: str) -> str:
    """The unmasked value, for users whose role may see it; every look is audited."""
    if field_name not in MASKS or not hasattr(obj, field_name):
        raise NotFound()
    area = obj.area_id if isinstance(obj, Household) else obj.household.area_id
    if not can(actor, Action.VIEW, area):
        raise NotFound()
    require(actor, Action.VIEW_SENSITIVE, area)
    # A look is recorded even while an import holds the chain (fupin.audit.journal): the read is answered.
    audit_look(actor=actor, action=SENSITIVE_VIEWED, obj=obj, area_code=area, after={"field": field_name})
    return getattr(obj, field_name) or ""


def sensitive_shown(*, actor, items: list[dict]) -> None:
    """Record that a page or API response showed these records' sensitive fields unmasked to `actor`
    (who holds "view sensitive" there: the serializers only unmask then)."""
    audit_look(actor=actor, action=SENSITIVE_VIEWED, object_type="registry", object_id=str(len(items)),
               after={"shown": items[:500], "count": len(items)})


# A member as it is stored, after its household's id: the bulk path carries members as tuples in this order (a
# tuple pickles in two thirds of the time of a dict and goes to the insert as it is).
MEMBER_ROW = ("name_simplified", "name_pinyin", "name_initials", "joined_on", "is_active", *MEMBER_FIELDS)
_member_fields = operator.itemgetter(*MEMBER_FIELDS)


def member_row(data: dict) -> tuple:
    """A member's stored values in MEMBER_ROW order, from data with every field of MEMBER_FIELDS (cleaned)."""
    return (*name_keys(data["name"]), data.get("joined_on"), True, *_member_fields(data))


def _member_values(household_id: int | None, data: dict) -> dict:
    return {"household_id": household_id, **dict(zip(MEMBER_ROW, member_row(data), strict=True))}


# Dynamic adjustment ---------------------------------------------------------------------------------------------
YEAR_ROLLED = audit_registry.register("registry.year_rolled_forward", _("rolled the register forward to a new year"))
CARRIED_FIELDS = ("cultivated_land", "irrigated_land", "forest_land", "returned_farmland", "orchard_land",
                  "pasture_land", "water_area", "in_cooperative", "production_power", "living_power", "broadcast_tv",
                  "road_distance_km", "road_type", "housing_area", "housing_grade", "drinking_water_difficult",
                  "fuel", "sanitary_toilet", "food_secure", "clothing_secure", "education_secure", "medical_secure",
                  "housing_secure", "water_secure", "status", "monitoring_category")


@dataclass
class RollForward:
    year: int
    created: int = 0
    already: int = 0
    to_review: list[dict] = field(default_factory=list)


def registry_roll_forward(*, actor, year: int, area: Area | None = None) -> RollForward:
    """Create year-`year` records from `year − 1` (动态调整): what persists is carried (status, monitoring
    category, land and living conditions, 两不愁三保障 as last assessed), the size at year start is last year's
    end and the size at year end the current members; what is entered for each year — the income ledger and the
    incomes computed from it — is left "not entered" (None), which warnings, exit evaluations and statistics
    treat as unknown, never as an income of 0. Households that must be re-evaluated — still poor, monitored, or
    whose size changed — are listed. Records that exist are kept."""
    require(actor, Action.CHANGE, area.code if area else "000000000000")
    scope = Household.objects.exclude(status="9")
    if area is not None:
        low, high = area.subtree_bounds
        scope = scope.filter(area_id__gte=low, area_id__lte=high)
    previous = HouseholdYear.objects.filter(year=year - 1, household__in=scope.values("pk"))
    done = set(HouseholdYear.objects.filter(year=year, household__in=scope.values("pk"))
               .values_list("household_id", flat=True))
    result = RollForward(year, already=len(done))
    columns = ("household_id", "household__number", "household__area_id", "size_end", *CARRIED_FIELDS)
    rows = [dict(zip(columns, values, strict=True)) for values in previous.values_list(*columns)
            if values[0] not in done]
    sizes: dict[int, int] = {}
    for chunk in chunked([row["household_id"] for row in rows], 500):
        for household_id in Member.objects.filter(household_id__in=chunk, is_active=True).values_list(
                "household_id", flat=True):
            sizes[household_id] = sizes.get(household_id, 0) + 1
    new_rows = []
    for row in rows:
        size = sizes.get(row["household_id"], 0)
        new_rows.append({"household_id": row["household_id"], "year": year, "size_start": row["size_end"],
                         "size_end": size, **{name: row[name] for name in CARRIED_FIELDS}, **NOT_ENTERED})
        reasons = []
        if row["status"] in cl.POOR_STATUSES:
            reasons.append("poor")
        if row["monitoring_category"]:
            reasons.append("monitored")
        if size != row["size_end"]:
            reasons.append("size_changed")
        if reasons:
            result.to_review.append({"household": row["household__number"], "area": row["household__area_id"],
                                     "reasons": reasons, "size_before": row["size_end"], "size_now": size})
    with transaction.atomic():
        result.created = insert_rows(HouseholdYear, new_rows)
        mark_changed((row["household__area_id"][:6], year) for row in rows)
        audit_record(actor=actor, action=YEAR_ROLLED, object_type="registry.householdyear", object_id=str(year),
                     area_code=area.code if area else "",
                     after={"year": year, "created": result.created, "already": result.already,
                            "to_review": len(result.to_review)})
    return result
