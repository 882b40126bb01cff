"""Every write of the helping personnel: permission check, validation, one transaction, an audit event.

Who may write: a cadre's record is changed by editors of the area keeping it; a team, its memberships and their
check-ins by editors of the team's village; a contact by editors of the contacted area; training and appraisal by
editors of the organising area.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.areas.locations import position_check
from fupin.areas.models import Area
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.cooperation import services as cooperation_services
from fupin.core.areacodes import Level
from fupin.core.errors import ValidationFailed
from fupin.core.idnumbers import IdNumberError, parse_id_number
from fupin.core.records import apply_fields, field_values
from fupin.core.temporal import fact_date
from fupin.core.temporal import today as current_day
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Member

from . import codelists as cl
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

CADRE_SAVED = audit_registry.register("personnel.cadre_saved", _("saved a cadre"))
TEAM_SAVED = audit_registry.register("personnel.team_saved", _("saved a village work team"))
MEMBERSHIP_SAVED = audit_registry.register("personnel.membership_saved", _("saved a work team membership"))
CONTACT_SAVED = audit_registry.register("personnel.contact_saved", _("saved a leader's contact area"))
CHECK_IN_SAVED = audit_registry.register("personnel.check_in_saved", _("saved a check-in"))
PROGRAMME_SAVED = audit_registry.register("personnel.programme_saved", _("saved a training programme"))
TRAINEE_SAVED = audit_registry.register("personnel.trainee_saved", _("saved a trainee"))
SCHEME_SAVED = audit_registry.register("personnel.scheme_saved", _("saved an appraisal scheme"))
SCORE_SAVED = audit_registry.register("personnel.score_saved", _("saved an appraisal score"))
CADRES_BULK = audit_registry.register("personnel.cadres_bulk_created", _("created cadres in bulk"))
TEAMS_BULK = audit_registry.register("personnel.teams_bulk_created", _("created village work teams in bulk"))
MEMBERSHIPS_BULK = audit_registry.register("personnel.memberships_bulk_created",
                                           _("created work team memberships in bulk"))
CONTACTS_BULK = audit_registry.register("personnel.contacts_bulk_created", _("created leaders' contact areas in bulk"))
PROGRAMMES_BULK = audit_registry.register("personnel.programmes_bulk_created", _("created training programmes in bulk"))
TRAINEES_BULK = audit_registry.register("personnel.trainees_bulk_created", _("created trainees in bulk"))

HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# Each record kind has `_<kind>_given` (the record's place is given: checked before permission, which needs it),
# `_<kind>_rules` (every rule that reads no other row; it also normalises the record) and error builders for the
# rules that read other rows. The single services and the bulk paths (bulk.py) both use them, so the two cannot
# drift apart.


def _require_all(actor, codes) -> None:
    """Both the old and the new place of a moved record must be the actor's, or a record could be moved away."""
    for code in dict.fromkeys(code for code in codes if code):
        require(actor, Action.CHANGE, code)


def _check_dates(start, end, *, field: str = "end_date") -> None:
    """A term's dates are recorded as they happen (a term still running has no end): neither lies ahead."""
    if start is None:
        raise ValidationFailed(_("Give the start date."), field="start_date")
    fact_date(start, field="start_date", label=_("start date"))
    fact_date(end, field=field, label=_("end date"), default_today=False)
    if end is not None and end < start:
        raise ValidationFailed(_("The end date is before the start date."), field=field)


def _overlapping(queryset, start: datetime.date, end: datetime.date | None):
    """Rows of `queryset` whose term shares at least one day with [start, end] (None: open)."""
    queryset = queryset.filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
    return queryset if end is None else queryset.filter(start_date__lte=end)


def terms_overlap(start, end, other_start, other_end) -> bool:
    """`_overlapping` for two terms in memory."""
    return (other_end is None or other_end >= start) and (end is None or other_start <= end)


def _within(area_code: str, ancestor: Area) -> bool:
    return area_code.startswith(ancestor.prefix)


def poor_members():
    """Members of registered households that are poor (not exited): their ID numbers cannot serve as cadres."""
    return Member.objects.filter(is_active=True, household__status__in=registry_codes.POOR_STATUSES)


def poor_person(id_number: str) -> bool:
    """Whether the number belongs to a member of a registered household that is poor (not exited)."""
    return poor_members().filter(id_number=id_number).exists()


def poor_error(cadre: Cadre) -> ValidationFailed:
    return ValidationFailed(_("%(name)s is a registered poor person and cannot serve as a cadre."),
                            field="id_number" if cadre.pk is None else "cadre", name=cadre.name)


def _refuse_poor(cadre: Cadre) -> None:
    # Checked again at every assignment: the person may have been registered poor after the cadre record.
    if poor_person(cadre.id_number):
        raise poor_error(cadre)


# Cadres ---------------------------------------------------------------------------------------------------------
CADRE_FIELDS = ("area", "name", "id_number", "sex", "phone", "unit", "unit_name", "position", "party_member")


def cadre_given(cadre: Cadre) -> None:
    if cadre.area_id is None:
        raise ValidationFailed(_("Give the area keeping the record."), field="area")


def cadre_rules(cadre: Cadre) -> None:
    """Name and unit name stripped, the ID number validated and normalised, the sex taken from it."""
    cadre.name = (cadre.name or "").strip()
    cadre.unit_name = (cadre.unit_name or "").strip()
    if not cadre.name:
        raise ValidationFailed(_("The name must not be empty."), field="name")
    try:
        parsed = parse_id_number(cadre.id_number or "")
    except IdNumberError as error:
        error.field = "id_number"  # the parser knows no form; name the field for the caller
        raise
    cadre.id_number = parsed.number
    sex = "1" if parsed.male else "2"
    if cadre.sex and cadre.sex != sex:
        raise ValidationFailed(_("The sex does not match the ID number."), field="sex")
    cadre.sex = sex
    if cadre.unit_id is None and not cadre.unit_name:
        raise ValidationFailed(_("Give the cadre's unit or its name."), field="unit")


def cadre_taken() -> ValidationFailed:
    return ValidationFailed(_("A cadre with this ID number is already registered."), field="id_number")


def cadre_save(*, actor, data: dict, instance: Cadre | None = None) -> Cadre:
    """Create or change a cadre. The ID number is validated and normalised, the sex follows from it, and a
    registered poor person is refused."""
    cadre = instance or Cadre()
    before = field_values(cadre, ("area_id", "name", "id_number", "unit_id", "unit_name", "position")) \
        if instance else None
    old_area = cadre.area_id if instance else None
    apply_fields(cadre, data, CADRE_FIELDS)
    cadre_given(cadre)
    _require_all(actor, [old_area, cadre.area_id])
    cadre_rules(cadre)
    if Cadre.objects.filter(id_number=cadre.id_number).exclude(pk=cadre.pk).exists():
        raise cadre_taken()
    _refuse_poor(cadre)
    with transaction.atomic():
        cadre.save()
        audit_record(actor=actor, action=CADRE_SAVED, obj=cadre, area_code=cadre.area_id, before=before,
                     after=field_values(cadre, ("area_id", "name", "id_number", "unit_id", "unit_name", "position")))
    return cadre


# Work teams -----------------------------------------------------------------------------------------------------
TEAM_FIELDS = ("village", "unit", "dispatch_level", "start_date", "end_date", "note")
TEAM_AUDITED = ("village_id", "unit_id", "dispatch_level", "start_date", "end_date")


def team_given(team: WorkTeam) -> None:
    if team.village_id is None:
        raise ValidationFailed(_("Give the village."), field="village")


def team_rules(team: WorkTeam) -> None:
    if team.village.level != Level.VILLAGE:
        raise ValidationFailed(_("A work team is sent to a village."), field="village")
    if team.unit_id is None:
        raise ValidationFailed(_("Give the dispatching unit."), field="unit")
    if team.dispatch_level not in cl.DISPATCH_LEVEL.values:
        raise ValidationFailed(_("Unknown dispatch level “%(level)s”."), field="dispatch_level",
                               level=team.dispatch_level)
    _check_dates(team.start_date, team.end_date)


def unit_party(*, actor, party):
    """The party a page names as a team's unit or a programme's organiser, saved: an area named by its code becomes
    a party on first use (through the cooperation service, which checks permission and audits)."""
    return party if party.pk is not None else cooperation_services.party_for_area(actor=actor, area=party.area)


def team_clash(start: datetime.date, end: datetime.date | None) -> ValidationFailed:
    return ValidationFailed(_("Another team serves this village from %(start)s to %(end)s; one team serves a "
                              "village at a time."), field="start_date", start=start, end=end or _("now"))


def team_save(*, actor, data: dict, instance: WorkTeam | None = None) -> WorkTeam:
    """Create or change a work team. One team serves a village at a time, and a team's term must keep its
    members' terms inside it."""
    team = instance or WorkTeam()
    before = field_values(team, TEAM_AUDITED) if instance else None
    old_village = team.village_id if instance else None
    apply_fields(team, data, TEAM_FIELDS)
    team_given(team)
    _require_all(actor, [old_village, team.village_id])
    team_rules(team)
    if instance is not None:
        outside = team.memberships.filter(start_date__lt=team.start_date)
        if team.end_date is not None:
            outside = team.memberships.filter(Q(start_date__lt=team.start_date) | Q(start_date__gt=team.end_date)
                                              | Q(end_date__gt=team.end_date))
        if outside.exists():
            raise ValidationFailed(_("Members' terms would fall outside the team's term; change them first."),
                                   field="start_date")
    with transaction.atomic():
        # Lock the village so two teams entered at once cannot both pass the overlap check.
        Area.objects.select_for_update().filter(pk=team.village_id).first()
        clash = _overlapping(WorkTeam.objects.filter(village_id=team.village_id).exclude(pk=team.pk),
                             team.start_date, team.end_date).order_by("start_date").first()
        if clash is not None:
            raise team_clash(clash.start_date, clash.end_date)
        team.save()
        audit_record(actor=actor, action=TEAM_SAVED, obj=team, area_code=team.village_id, before=before,
                     after=field_values(team, TEAM_AUDITED))
    return team


MEMBERSHIP_FIELDS = ("team", "cadre", "role", "dispatch_level", "start_date", "end_date")
MEMBERSHIP_AUDITED = ("team_id", "cadre_id", "role", "dispatch_level", "start_date", "end_date")


def membership_end(membership: TeamMembership) -> datetime.date | None:
    """The last day of a membership: its own end, else the team's (None while both serve)."""
    return membership.end_date or membership.team.end_date


def membership_given(membership: TeamMembership) -> None:
    if membership.team_id is None or membership.cadre_id is None:
        raise ValidationFailed(_("Give the team and the cadre."), field="team" if membership.team_id is None
                               else "cadre")


def membership_rules(membership: TeamMembership) -> None:
    team = membership.team
    if membership.role not in cl.TEAM_ROLE.values:
        raise ValidationFailed(_("Unknown role “%(role)s”."), field="role", role=membership.role)
    # A member sent with the team shares its dispatch level unless told otherwise.
    membership.dispatch_level = membership.dispatch_level or team.dispatch_level
    if membership.dispatch_level not in cl.DISPATCH_LEVEL.values:
        raise ValidationFailed(_("Unknown dispatch level “%(level)s”."), field="dispatch_level",
                               level=membership.dispatch_level)
    _check_dates(membership.start_date, membership.end_date)
    if membership.start_date < team.start_date or (team.end_date is not None and (
            membership.start_date > team.end_date or (membership.end_date or team.end_date) > team.end_date)):
        raise ValidationFailed(_("The member's term must lie within the team's term (%(start)s to %(end)s)."),
                               field="start_date", start=team.start_date, end=team.end_date or _("now"))


def holder_error(name: str, role: str) -> ValidationFailed:
    return ValidationFailed(_("%(name)s is already %(role)s of this team in that period."), field="role",
                            name=name, role=cl.TEAM_ROLE.label(role))


def serving_clash(membership: TeamMembership, last_day, other_team_id, other_role, other_start,
                   other_end) -> bool:
    """Whether another membership of the same cadre (its team, role, first and last day) keeps this one out: a
    cadre serves in one team at a time, though a first secretary may also captain the same team."""
    if (last_day is not None and other_start > last_day) or (other_end and other_end < membership.start_date):
        return False
    return other_team_id != membership.team_id or other_role == membership.role


def serving_error(cadre: Cadre) -> ValidationFailed:
    return ValidationFailed(_("%(name)s already serves in a team in that period."), field="cadre", name=cadre.name)


def membership_save(*, actor, data: dict, instance: TeamMembership | None = None) -> TeamMembership:
    """Add a cadre to a team or change their term or role. The term lies inside the team's; a team has one
    captain and one first secretary at a time; a cadre serves in one team at a time (a first secretary may
    also be the captain of the same team)."""
    membership = instance or TeamMembership()
    before = field_values(membership, MEMBERSHIP_AUDITED) if instance else None
    old_village = membership.team.village_id if instance else None
    apply_fields(membership, data, MEMBERSHIP_FIELDS)
    membership_given(membership)
    team = membership.team
    _require_all(actor, [old_village, team.village_id])
    membership_rules(membership)
    _refuse_poor(membership.cadre)
    last_day = membership_end(membership)
    if instance is not None and membership.check_ins.filter(
            Q(day__lt=membership.start_date) | Q(day__gt=last_day or datetime.date.max)).exists():
        raise ValidationFailed(_("Check-ins would fall outside the new term."), field="start_date")
    with transaction.atomic():
        Area.objects.select_for_update().filter(pk=team.village_id).first()
        others = TeamMembership.objects.exclude(pk=membership.pk).select_related("team")
        if membership.role in cl.SINGLE_HOLDER_ROLES:
            holder = _overlapping(others.filter(team=team, role=membership.role), membership.start_date,
                                  last_day).first()
            if holder is not None:
                raise holder_error(holder.cadre.name, membership.role)
        for other in _overlapping(others.filter(cadre_id=membership.cadre_id), membership.start_date, None):
            if serving_clash(membership, last_day, other.team_id, other.role, other.start_date,
                              membership_end(other)):
                raise serving_error(membership.cadre)
        membership.save()
        audit_record(actor=actor, action=MEMBERSHIP_SAVED, obj=membership, area_code=team.village_id,
                     before=before, after=field_values(membership, MEMBERSHIP_AUDITED))
    return membership


# Contact leaders ------------------------------------------------------------------------------------------------
CONTACT_FIELDS = ("cadre", "level", "area", "start_date", "end_date")
CONTACT_AUDITED = ("cadre_id", "level", "area_id", "start_date", "end_date")


def contact_given(contact: ContactLeader) -> None:
    if contact.area_id is None or contact.cadre_id is None:
        raise ValidationFailed(_("Give the leader and the area contacted."), field="area")


def contact_rules(contact: ContactLeader) -> None:
    if contact.area.level not in (Level.COUNTY, Level.VILLAGE):
        raise ValidationFailed(_("A leader contacts a village or a county."), field="area")
    if contact.level not in cl.LEADER_LEVEL.values:
        raise ValidationFailed(_("Unknown level “%(level)s”."), field="level", level=contact.level)
    _check_dates(contact.start_date, contact.end_date)


def contact_clash() -> ValidationFailed:
    return ValidationFailed(_("This leader already contacts this area in that period."), field="start_date")


def contact_save(*, actor, data: dict, instance: ContactLeader | None = None) -> ContactLeader:
    """Record that a leader contacts (包) a village or county for a term."""
    contact = instance or ContactLeader()
    before = field_values(contact, CONTACT_AUDITED) if instance else None
    old_area = contact.area_id if instance else None
    apply_fields(contact, data, CONTACT_FIELDS)
    contact_given(contact)
    _require_all(actor, [old_area, contact.area_id])
    contact_rules(contact)
    _refuse_poor(contact.cadre)
    same = ContactLeader.objects.filter(cadre_id=contact.cadre_id, area_id=contact.area_id).exclude(pk=contact.pk)
    if _overlapping(same, contact.start_date, contact.end_date).exists():
        raise contact_clash()
    with transaction.atomic():
        contact.save()
        audit_record(actor=actor, action=CONTACT_SAVED, obj=contact, area_code=contact.area_id, before=before,
                     after=field_values(contact, CONTACT_AUDITED))
    return contact


# Check-ins ------------------------------------------------------------------------------------------------------
CHECK_IN_FIELDS = ("membership", "day", "latitude", "longitude")


def _coordinate(value, limit: int, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(_("%(value)s is not a coordinate."), field=field, value=value) from None
    if not number.is_finite() or abs(number) > limit:
        raise ValidationFailed(_("%(value)s is not a coordinate."), field=field, value=value)
    return number.quantize(Decimal("0.000001"))


def check_in_save(*, actor, data: dict, instance: CheckIn | None = None,
                  today: datetime.date | None = None) -> CheckIn:
    """Record a member's day in the village (one per member and day), with where the phone was if known."""
    check_in = instance or CheckIn()
    before = field_values(check_in, ("membership_id", "day", "latitude", "longitude")) if instance else None
    old_village = check_in.membership.team.village_id if instance else None
    apply_fields(check_in, data, CHECK_IN_FIELDS)
    if check_in.membership_id is None or check_in.day is None:
        raise ValidationFailed(_("Give the membership and the day."), field="day")
    membership = check_in.membership
    _require_all(actor, [old_village, membership.team.village_id])
    last_day = membership_end(membership)
    if check_in.day < membership.start_date or (last_day is not None and check_in.day > last_day):
        raise ValidationFailed(_("%(day)s is outside the member's term."), field="day", day=check_in.day)
    if check_in.day > (today or current_day()):
        raise ValidationFailed(_("A check-in cannot be in the future."), field="day")
    fact_date(check_in.day, field="day", label=_("check-in day"))
    check_in.latitude = _coordinate(check_in.latitude, 90, "latitude")
    check_in.longitude = _coordinate(check_in.longitude, 180, "longitude")
    if (check_in.latitude is None) != (check_in.longitude is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="longitude")
    if CheckIn.objects.filter(membership=membership, day=check_in.day).exclude(pk=check_in.pk).exists():
        raise ValidationFailed(_("This member has already checked in on %(day)s."), field="day", day=check_in.day)
    # Where the phone was against the village's location: a position far away is flagged, never refused.
    position = position_check(membership.team.village_id, check_in.latitude, check_in.longitude)
    check_in.distance_m, check_in.far_from_village = position.distance_m, position.far
    with transaction.atomic():
        check_in.save()
        audit_record(actor=actor, action=CHECK_IN_SAVED, obj=check_in, area_code=membership.team.village_id,
                     before=before, after=field_values(check_in, ("membership_id", "day", "latitude", "longitude")))
    return check_in


# Training -------------------------------------------------------------------------------------------------------
PROGRAMME_FIELDS = ("name", "year", "area", "kind", "budget", "organiser")


def programme_given(programme: TrainingProgramme) -> None:
    if programme.area_id is None:
        raise ValidationFailed(_("Give the organising area."), field="area")


def programme_rules(programme: TrainingProgramme) -> None:
    programme.name = (programme.name or "").strip()
    if not programme.name:
        raise ValidationFailed(_("The name must not be empty."), field="name")
    if programme.kind not in cl.TRAINING_KIND.values:
        raise ValidationFailed(_("Unknown kind of training “%(kind)s”."), field="kind", kind=programme.kind)
    if not programme.year or not 2000 <= int(programme.year) <= 2100:
        raise ValidationFailed(_("Give the year of the programme."), field="year")
    programme.budget = Decimal(programme.budget or 0)
    if programme.budget < 0:
        raise ValidationFailed(_("The budget cannot be negative."), field="budget")


def programme_save(*, actor, data: dict, instance: TrainingProgramme | None = None) -> TrainingProgramme:
    programme = instance or TrainingProgramme()
    before = field_values(programme, ("name", "year", "area_id", "kind", "budget")) if instance else None
    old_area = programme.area_id if instance else None
    apply_fields(programme, data, PROGRAMME_FIELDS)
    programme_given(programme)
    _require_all(actor, [old_area, programme.area_id])
    programme_rules(programme)
    with transaction.atomic():
        programme.save()
        audit_record(actor=actor, action=PROGRAMME_SAVED, obj=programme, area_code=programme.area_id,
                     before=before, after=field_values(programme, ("name", "year", "area_id", "kind", "budget")))
    return programme


TRAINEE_FIELDS = ("programme", "member", "cadre", "completed", "moved_into_job", "job_date")
TRAINEE_AUDITED = ("programme_id", "member_id", "cadre_id", "completed", "moved_into_job", "job_date")


def trainee_given(trainee: Trainee) -> None:
    if trainee.programme_id is None:
        raise ValidationFailed(_("Give the programme."), field="programme")


def trainee_rules(trainee: Trainee) -> None:
    if (trainee.member_id is None) == (trainee.cadre_id is None):
        raise ValidationFailed(_("A trainee is either a registered member or a cadre."), field="member")
    fact_date(trainee.job_date, field="job_date", label=_("job date"), default_today=False)
    if trainee.job_date is not None and not trainee.moved_into_job:
        raise ValidationFailed(_("A job date is given but the trainee has not moved into a job."),
                               field="moved_into_job")


def enrolled_error() -> ValidationFailed:
    return ValidationFailed(_("This person is already enrolled in the programme."), field="member")


def trainee_save(*, actor, data: dict, instance: Trainee | None = None) -> Trainee:
    """Enrol a registered member or a cadre (exactly one) in a programme, or record completion and a job."""
    trainee = instance or Trainee()
    before = field_values(trainee, TRAINEE_AUDITED) if instance else None
    old_area = trainee.programme.area_id if instance else None
    apply_fields(trainee, data, TRAINEE_FIELDS)
    trainee_given(trainee)
    _require_all(actor, [old_area, trainee.programme.area_id])
    trainee_rules(trainee)
    same = Trainee.objects.filter(programme_id=trainee.programme_id).exclude(pk=trainee.pk)
    if same.filter(member_id=trainee.member_id, cadre_id=trainee.cadre_id).exists():
        raise enrolled_error()
    with transaction.atomic():
        trainee.save()
        audit_record(actor=actor, action=TRAINEE_SAVED, obj=trainee, area_code=trainee.programme.area_id,
                     before=before, after=field_values(trainee, TRAINEE_AUDITED))
    return trainee


# Appraisal ------------------------------------------------------------------------------------------------------
SCHEME_FIELDS = ("code", "name", "year", "subject_kind", "area", "indicators", "grades")
SCHEME_AUDITED = ("code", "name", "year", "subject_kind", "area_id", "indicators", "grades")


def _number(value, field: str) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise ValidationFailed(_("%(value)s is not a number."), field=field, value=value)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(_("%(value)s is not a number."), field=field, value=value) from None
    if not number.is_finite():
        raise ValidationFailed(_("%(value)s is not a number."), field=field, value=value)
    return number


def _labelled_rows(rows, field: str, number_key: str) -> list[dict]:
    """Rows {code, zh, en, <number_key>} with distinct non-empty codes and labels, numbers as JSON numbers."""
    if not isinstance(rows, list) or not rows:
        raise ValidationFailed(_("Give at least one row."), field=field)
    result, codes = [], set()
    for row in rows:
        if not isinstance(row, dict) or not all(str(row.get(key) or "").strip() for key in ("code", "zh", "en")):
            raise ValidationFailed(_("Every row needs a code, a Chinese and an English name."), field=field)
        code = str(row["code"]).strip()
        if code in codes:
            raise ValidationFailed(_("The code “%(code)s” appears twice."), field=field, code=code)
        codes.add(code)
        number = _number(row.get(number_key), field)
        result.append({"code": code, "zh": str(row["zh"]).strip(), "en": str(row["en"]).strip(),
                       number_key: int(number) if number == number.to_integral_value() else float(number)})
    return result


def _clean_indicators(rows) -> list[dict]:
    indicators = _labelled_rows(rows, "indicators", "weight")
    weights = [_number(row["weight"], "indicators") for row in indicators]
    if any(weight <= 0 for weight in weights):
        raise ValidationFailed(_("Every weight must be positive."), field="indicators")
    total = sum(weights, Decimal(0))
    if total != HUNDRED:
        raise ValidationFailed(_("The weights add up to %(total)s, not 100."), field="indicators", total=total)
    return indicators


def _clean_grades(rows) -> list[dict]:
    grades = _labelled_rows(rows, "grades", "min")
    thresholds = [_number(row["min"], "grades") for row in grades]
    if any(not 0 <= value <= HUNDRED for value in thresholds) or len(set(thresholds)) != len(thresholds):
        raise ValidationFailed(_("Grade thresholds are distinct numbers from 0 to 100."), field="grades")
    if Decimal(0) not in thresholds:
        raise ValidationFailed(_("One grade must start at 0, so every total has a grade."), field="grades")
    # Kept highest first: the grade of a total is the first whose threshold it reaches.
    return sorted(grades, key=lambda row: -Decimal(str(row["min"])))


def scheme_save(*, actor, data: dict, instance: AppraisalScheme | None = None) -> AppraisalScheme:
    """Create or change an appraisal scheme: indicator weights must add up to 100; grades default to
    优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格. Once scored, its indicators and grades are fixed."""
    scheme = instance or AppraisalScheme()
    before = field_values(scheme, SCHEME_AUDITED) if instance else None
    old_area = scheme.area_id if instance else None
    old_rules = (scheme.indicators, scheme.grades) if instance else None
    apply_fields(scheme, data, SCHEME_FIELDS)
    if scheme.area_id is None:
        raise ValidationFailed(_("Give the area."), field="area")
    _require_all(actor, [old_area, scheme.area_id])
    scheme.name = (scheme.name or "").strip()
    if not scheme.name:
        raise ValidationFailed(_("The name must not be empty."), field="name")
    scheme.code = (scheme.code or "").strip()
    if scheme.code and AppraisalScheme.objects.filter(code=scheme.code).exclude(pk=scheme.pk).exists():
        raise ValidationFailed(_("Another appraisal scheme has the code “%(code)s”."), field="code", code=scheme.code)
    if scheme.subject_kind not in cl.SUBJECT_KIND.values:
        raise ValidationFailed(_("Unknown subject kind “%(kind)s”."), field="subject_kind", kind=scheme.subject_kind)
    if not scheme.year or not 2000 <= int(scheme.year) <= 2100:
        raise ValidationFailed(_("Give the year of the scheme."), field="year")
    scheme.indicators = _clean_indicators(scheme.indicators)
    scheme.grades = _clean_grades(scheme.grades or cl.DEFAULT_GRADES)
    if instance is not None and scheme.scores.exists() and (scheme.indicators, scheme.grades) != old_rules:
        raise ValidationFailed(_("This scheme already has scores; its indicators and grades can no longer change."),
                               field="indicators")
    with transaction.atomic():
        scheme.save()
        audit_record(actor=actor, action=SCHEME_SAVED, obj=scheme, area_code=scheme.area_id, before=before,
                     after=field_values(scheme, SCHEME_AUDITED))
    return scheme


def appraisal_result(scheme: AppraisalScheme, scores: dict) -> tuple[dict, Decimal, str]:
    """(the scores as numbers, total = Σ weight × score / 100 to the cent, grade code) for one subject; every
    indicator of the scheme needs a score from 0 to 100 and no other may be given."""
    if not isinstance(scores, dict):
        raise ValidationFailed(_("Give the scores per indicator."), field="scores")
    codes = [row["code"] for row in scheme.indicators]
    unknown = sorted(set(scores) - set(codes))
    if unknown:
        raise ValidationFailed(_("Unknown indicator “%(code)s”."), field="scores", code=unknown[0])
    missing = [code for code in codes if code not in scores]
    if missing:
        raise ValidationFailed(_("No score for indicator “%(code)s”."), field="scores", code=missing[0])
    cleaned, total = {}, Decimal(0)
    for row in scheme.indicators:
        score = _number(scores[row["code"]], "scores")
        if not 0 <= score <= HUNDRED:
            raise ValidationFailed(_("Scores are from 0 to 100; %(code)s has %(score)s."), field="scores",
                                   code=row["code"], score=score)
        cleaned[row["code"]] = int(score) if score == score.to_integral_value() else float(score)
        total += Decimal(str(row["weight"])) * score
    total = (total / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    grade = next(row["code"] for row in scheme.grades if total >= Decimal(str(row["min"])))
    return cleaned, total, grade


SUBJECT_FIELD = {"team": "team", "unit": "unit", "cadre": "cadre"}


def score_save(*, actor, data: dict, instance: AppraisalScore | None = None) -> AppraisalScore:
    """Score one subject under a scheme; the subject must be of the scheme's kind (a team's village inside the
    scheme's area). Total and grade are computed here, never taken from the caller."""
    score = instance or AppraisalScore()
    before = field_values(score, ("scheme_id", "team_id", "unit_id", "cadre_id", "scores", "total", "grade")) \
        if instance else None
    if instance is not None:  # moving a score to another scheme needs the right where it is now, too
        require(actor, Action.CHANGE, instance.scheme.area_id)
    apply_fields(score, data, ("scheme", "team", "unit", "cadre", "scores"))
    if score.scheme_id is None:
        raise ValidationFailed(_("Give the scheme."), field="scheme")
    scheme = score.scheme
    require(actor, Action.CHANGE, scheme.area_id)
    subject = SUBJECT_FIELD[scheme.subject_kind]
    given = [name for name in SUBJECT_FIELD.values() if getattr(score, f"{name}_id") is not None]
    if given != [subject]:
        raise ValidationFailed(_("A %(kind)s scheme scores exactly one %(kind)s."), field=subject,
                               kind=cl.SUBJECT_KIND.label(scheme.subject_kind))
    if subject == "team" and not _within(score.team.village_id, scheme.area):
        raise ValidationFailed(_("The team serves outside the scheme's area."), field="team")
    if subject == "cadre":
        _refuse_poor(score.cadre)
    subject_id = getattr(score, f"{subject}_id")
    if AppraisalScore.objects.filter(scheme=scheme, **{f"{subject}_id": subject_id}).exclude(pk=score.pk).exists():
        raise ValidationFailed(_("This subject already has a score under the scheme."), field=subject)
    score.scores, score.total, score.grade = appraisal_result(scheme, score.scores)
    with transaction.atomic():
        score.save()
        audit_record(actor=actor, action=SCORE_SAVED, obj=score, area_code=scheme.area_id, before=before,
                     after=field_values(score, ("scheme_id", "team_id", "unit_id", "cadre_id", "scores", "total",
                                             "grade")))
    return score
