"""Every write of the helping side: permission check, validation, one transaction, an audit event.

Who may write: a pairing or a record may be changed by anyone with `change` on either end of it — the helped
area's offices, or the helper's own area (an eastern partner's grant covers its district) — so partners keep
their own pairings and records and nobody else's.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can, require
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.core.records import apply_fields, field_values
from fupin.core.temporal import fact_date, not_before
from fupin.registry import codelists as registry_codes
from fupin.registry.models import Household

from . import codelists as cl
from .creditcode import is_valid
from .models import (
    Agreement,
    Fund,
    LabourTransfer,
    Pairing,
    Party,
    Programme,
    Purchase,
    TalentExchange,
    Visit,
    Workshop,
)

PARTY_SAVED = audit_registry.register("cooperation.party_saved", _("saved a helping or helped party"))
PAIRING_SAVED = audit_registry.register("cooperation.pairing_saved", _("saved a pairing"))
PAIRING_ENDED = audit_registry.register("cooperation.pairing_ended", _("ended a pairing"))
RECORD_SAVED = audit_registry.register("cooperation.record_saved", _("saved a cooperation record"))
PARTIES_BULK = audit_registry.register("cooperation.parties_bulk_created",
                                       _("created helping and helped parties in bulk"))
PAIRINGS_BULK = audit_registry.register("cooperation.pairings_bulk_created", _("created pairings in bulk"))
TALENT_BULK = audit_registry.register("cooperation.talent_bulk_created", _("created talent exchanges in bulk"))
LABOUR_BULK = audit_registry.register("cooperation.labour_bulk_created", _("created labour transfers in bulk"))

# What the tables' unique constraints refuse (one area party per area, one party per household, one party per
# credit code): `party_save` refuses it before saving, `parties_bulk_create` for a whole set.
AREA_TAKEN = _("This area already has its party.")
HOUSEHOLD_TAKEN = _("This household already has its party.")
CREDIT_CODE_TAKEN = _("This unified social credit code is already registered.")

RECORD_MODELS = {"agreement": Agreement, "fund": Fund, "workshop": Workshop, "talent": TalentExchange,
                 "labour": LabourTransfer, "purchase": Purchase, "visit": Visit}




def _require_either(actor, codes: list[str]) -> None:
    if not any(can(actor, Action.CHANGE, code) for code in codes):
        raise PermissionDenied()


def party_for_area(*, actor, area) -> Party:
    """The party that is this area (created on first use)."""
    party = Party.objects.filter(kind="area", area=area).first()
    if party is not None:
        return party
    return party_save(actor=actor, data={"kind": "area", "name": area.name, "area": area})


def party_for_household(*, actor, household: Household) -> Party:
    party = Party.objects.filter(household=household).first()
    if party is not None:
        return party
    return party_save(actor=actor, data={"kind": "household", "name": household.number, "area": household.area,
                                         "household": household})


def party_save(*, actor, data: dict, instance: Party | None = None) -> Party:
    party = instance or Party()
    fields = ("kind", "name", "area", "household", "credit_code")
    before = field_values(party, fields) if instance else None
    for name in fields:
        if name in data:
            setattr(party, name, data[name])
    require(actor, Action.CHANGE, party.area_id)
    party_rules(party)
    with transaction.atomic():
        _party_not_taken(party)
        party.save()
        audit_record(actor=actor, action=PARTY_SAVED, obj=party, area_code=party.area_id, before=before,
                     after=field_values(party, ("kind", "name", "area_id", "household_id", "credit_code")))
    return party


def _party_not_taken(party: Party) -> None:
    """Refuse a second party of the same area (kind "area"), household or credit code, as the table would."""
    others = Party.objects.exclude(pk=party.pk) if party.pk else Party.objects.all()
    if party.kind == "area" and others.filter(kind="area", area_id=party.area_id).exists():
        raise ValidationFailed(AREA_TAKEN, field="area")
    if party.household_id is not None and others.filter(household_id=party.household_id).exists():
        raise ValidationFailed(HOUSEHOLD_TAKEN, field="household")
    if party.credit_code and others.filter(credit_code=party.credit_code).exists():
        raise ValidationFailed(CREDIT_CODE_TAKEN, field="credit_code")


def party_rules(party: Party) -> None:
    """Tidy the name and credit code, then refuse a party of an unknown kind, without a name, or without the
    credit code or household its kind needs."""
    party.credit_code = (party.credit_code or "").strip().upper()
    party.name = (party.name or "").strip()
    if party.kind not in cl.PARTY_KIND.values:
        raise ValidationFailed(_("Unknown kind of party “%(kind)s”."), field="kind", kind=party.kind)
    if not party.name:
        raise ValidationFailed(_("The name must not be empty."), field="name")
    if party.kind in cl.CREDIT_CODE_KINDS and not party.credit_code:
        raise ValidationFailed(_("An enterprise or social organisation needs its unified social credit code."),
                               field="credit_code")
    if party.credit_code and not is_valid(party.credit_code):
        raise ValidationFailed(_("%(code)s is not a valid unified social credit code."), field="credit_code",
                               code=party.credit_code)
    if party.kind == "household" and party.household_id is None:
        raise ValidationFailed(_("Name the household."), field="household")


PAIRING_FIELDS = ("programme", "helper", "helped", "start_date", "end_date", "status", "committed_funds",
                  "committed_projects", "committed_jobs", "committed_visits", "note")


def pairing_save(*, actor, data: dict, instance: Pairing | None = None) -> Pairing:
    """Create or change a pairing; the programme decides which kinds of party may stand on each side."""
    pairing = instance or Pairing()
    before = field_values(pairing, ("programme_id", "helper_id", "helped_id", "start_date", "end_date", "status")) \
        if instance else None
    for name in PAIRING_FIELDS:
        if name in data:
            setattr(pairing, name, data[name])
    _require_either(actor, [pairing.helper.area_id, pairing.helped.area_id])
    pairing_rules(pairing)
    with transaction.atomic():
        # The helped party's row is locked so two clerks cannot record the same pairing twice at once.
        Party.objects.select_for_update().filter(pk=pairing.helped_id).first()
        _refuse_overlap(pairing)
        pairing.save()
        audit_record(actor=actor, action=PAIRING_SAVED, obj=pairing, area_code=pairing.helped.area_id,
                     before=before, after=field_values(pairing, ("programme_id", "helper_id", "helped_id", "start_date",
                                                              "end_date", "status", "committed_funds")))
    return pairing


def pairing_rules(pairing: Pairing) -> None:
    """Refuse a pairing the programme does not allow (kinds of party on each side) or with impossible dates."""
    programme: Programme = pairing.programme
    if pairing.helper == pairing.helped:
        raise ValidationFailed(_("A party cannot be paired with itself."), field="helped")
    if pairing.helper.kind not in programme.helper_kinds:
        raise ValidationFailed(_("%(programme)s does not take a %(kind)s as helper."), field="helper",
                               programme=programme.name_zh, kind=cl.PARTY_KIND.label(pairing.helper.kind))
    if pairing.helped.kind not in programme.helped_kinds:
        raise ValidationFailed(_("%(programme)s does not take a %(kind)s as the helped side."), field="helped",
                               programme=programme.name_zh, kind=cl.PARTY_KIND.label(pairing.helped.kind))
    if pairing.end_date and pairing.end_date < pairing.start_date:
        raise ValidationFailed(_("The end date is before the start date."), field="end_date")
    if pairing.status not in cl.PAIRING_STATUS.values:
        raise ValidationFailed(_("Unknown status “%(status)s”."), field="status", status=pairing.status)


def overlapping_pairings(pairing: Pairing):
    """Other pairings of the same two parties under the same programme whose periods overlap this one's (an open
    end runs on); ended pairings count by their dates, so a new pairing may follow an old one but not double it."""
    others = Pairing.objects.filter(programme_id=pairing.programme_id, helper_id=pairing.helper_id,
                                    helped_id=pairing.helped_id).exclude(pk=pairing.pk)
    others = others.filter(Q(end_date__isnull=True) | Q(end_date__gte=pairing.start_date))
    if pairing.end_date is not None:
        others = others.filter(start_date__lte=pairing.end_date)
    return others.order_by("start_date", "pk")


def periods_overlap(start, end, other_start, other_end) -> bool:
    """Whether two periods share a day (an end of None runs on)."""
    return (other_end is None or other_end >= start) and (end is None or other_start <= end)


def overlap_refusal(pairing: Pairing, start, end, existing_pk) -> ValidationFailed:
    """The refusal of a pairing doubling the existing one (its dates and number named, so the clerk finds it)."""
    return ValidationFailed(
        _("%(helper)s already helps %(helped)s under %(programme)s from %(start)s to %(end)s (pairing "
          "%(pairing)s); end it before recording another for an overlapping period."), field="start_date",
        helper=pairing.helper.name, helped=pairing.helped.name, programme=pairing.programme.name_zh,
        start=start.isoformat(), end=end.isoformat() if end else _("now"), pairing=existing_pk or "—")


def _refuse_overlap(pairing: Pairing) -> None:
    existing = overlapping_pairings(pairing).first()
    if existing is not None:
        raise overlap_refusal(pairing, existing.start_date, existing.end_date, existing.pk)


def pairing_end(*, actor, pairing: Pairing, on: datetime.date | None = None) -> Pairing:
    _require_either(actor, [pairing.helper.area_id, pairing.helped.area_id])
    on = fact_date(on, field="end_date", label=_("end date"))
    if on < pairing.start_date:
        raise ValidationFailed(_("The end date is before the start date."), field="end_date")
    with transaction.atomic():
        pairing.end_date, pairing.status = on, "ended"
        pairing.save(update_fields=["end_date", "status", "updated_at"])
        audit_record(actor=actor, action=PAIRING_ENDED, obj=pairing, area_code=pairing.helped.area_id,
                     after={"end_date": on})
    return pairing


# The dates of each kind of record that state what happened (never in the future); planned ends (an agreement's
# validity, a posting's end) may lie ahead.
FACT_DATES = {
    "fund": (("committed_on", _("commitment date")), ("arrived_on", _("arrival date"))),
    "agreement": (("signed_on", _("signing date")),),
    "workshop": (("opened_on", _("opening date")),),
    "talent": (("start_date", _("start date")),),
    "labour": (("start_date", _("start date")),),
    "visit": (("visited_on", _("visit date")),),
    "purchase": (("bought_on", _("purchase date")),),
}


def record_rules(kind: str, record, home_village: str | None = None) -> None:
    """Rules each kind of record must meet before it is saved. `home_village`: a labour transfer's member's
    village when the caller looked it up for many records at once (read from the member otherwise)."""
    for name, label in FACT_DATES.get(kind, ()):
        setattr(record, name, fact_date(getattr(record, name), field=name, label=label, default_today=False))
    if kind == "fund":
        if record.kind not in cl.FUND_KIND.values:
            raise ValidationFailed(_("Unknown kind of fund “%(kind)s”."), field="kind", kind=record.kind)
        if record.purpose not in cl.FUND_PURPOSE.values:
            raise ValidationFailed(_("Unknown purpose “%(purpose)s”."), field="purpose", purpose=record.purpose)
        if record.committed_amount < 0 or record.arrived_amount < 0:
            raise ValidationFailed(_("Amounts cannot be negative."), field="arrived_amount")
        if record.arrived_amount > 0 and record.arrived_on is None:
            raise ValidationFailed(_("Give the date the money arrived."), field="arrived_on")
        not_before(record.arrived_on, record.committed_on, field="arrived_on", label=_("arrival date"),
                   earlier_label=_("the commitment date"))
        record.over_commitment_reason = (record.over_commitment_reason or "").strip()
        if record.arrived_amount > record.committed_amount and not record.over_commitment_reason:
            raise ValidationFailed(
                _("%(arrived)s arrived against a commitment of %(committed)s, %(excess)s more than committed; give "
                  "the reason it exceeds the commitment."), field="over_commitment_reason",
                arrived=record.arrived_amount, committed=record.committed_amount,
                excess=record.arrived_amount - record.committed_amount)
    elif kind == "talent":
        if record.kind not in cl.TALENT_KIND.values or record.field not in cl.TALENT_FIELD.values:
            raise ValidationFailed(_("Unknown kind or field of talent exchange."), field="kind")
        if record.direction not in cl.DIRECTION.values:
            raise ValidationFailed(_("Unknown direction “%(direction)s”."), field="direction",
                                   direction=record.direction)
    elif kind == "labour":
        home = record.member.household.area_id if home_village is None else home_village
        if home != record.area_id:
            raise ValidationFailed(_("A labour transfer is recorded in the member's home village."), field="area")
        if record.transport not in cl.TRANSPORT.values:
            raise ValidationFailed(_("Unknown transport “%(transport)s”."), field="transport",
                                   transport=record.transport)
    elif kind == "visit" and (record.level not in cl.LEADER_LEVEL.values or record.direction not in
                              cl.DIRECTION.values):
        raise ValidationFailed(_("Unknown level or direction of the visit."), field="level")
    elif kind == "agreement" and record.valid_until and record.valid_until < record.signed_on:
        raise ValidationFailed(_("An agreement cannot end before it is signed."), field="valid_until")
    elif kind == "purchase" and record.amount <= Decimal(0):
        raise ValidationFailed(_("The amount must be positive."), field="amount")
    if record.pairing_id and not record.area_id.startswith(record.pairing.helped.area.prefix):
        raise ValidationFailed(_("The record's area is not inside the pairing's helped area."), field="area")


def record_save(*, actor, kind: str, data: dict, instance=None, members=None):
    """Create or change a cooperation record of `kind` (fund, workshop, talent, labour, purchase)."""
    model = RECORD_MODELS.get(kind)
    if model is None:
        raise ValidationFailed(_("Unknown kind of record “%(kind)s”."), field="kind", kind=kind)
    record = instance or model()
    fields = [f.name for f in model._meta.concrete_fields if f.name not in ("id", "created_at", "updated_at",
                                                                           "recorded_by")]
    before = {name: str(getattr(record, name, "")) for name in fields} if instance else None
    apply_fields(record, data, fields)
    codes = [record.area_id]
    if record.pairing_id:
        codes.append(record.pairing.helper.area_id)
    _require_either(actor, codes)
    record_rules(kind, record)
    for member in members or ():
        workshop_employee_rules(member)
    with transaction.atomic():
        if instance is None:
            record.recorded_by = actor
        record.save()
        if kind == "workshop" and members is not None:
            record.poor_employees.set(members)
        audit_record(actor=actor, action=RECORD_SAVED, obj=record, area_code=record.area_id, before=before,
                     after={name: str(getattr(record, name, "")) for name in fields})
    return record


# A workshop's poor employees (扶贫车间吸纳建档立卡贫困人口就业) -------------------------------------------------------
WORKSHOP_EMPLOYEES_ADDED = audit_registry.register("cooperation.workshop_employees_added",
                                                   _("recorded poor employees of a poverty workshop"))
WORKSHOP_EMPLOYEE_REMOVED = audit_registry.register("cooperation.workshop_employee_removed",
                                                    _("removed a poor employee of a poverty workshop"))
REGISTERED_POOR = registry_codes.POOR_STATUSES | registry_codes.EXITED_STATUSES


def workshop_employee_rules(member) -> None:
    """A workshop's poor employee is an active member of a registered poor (or out-of-poverty) household: the
    figure counts the registered poor it employs, not anyone it employs."""
    if not member.is_active:
        raise ValidationFailed(_("%(name)s is no longer a member of the household."), field="members",
                               name=member.name)
    if member.household.status not in REGISTERED_POOR:
        raise ValidationFailed(_("%(name)s is not a member of a registered poor household."), field="members",
                               name=member.name)


def _workshop_places(workshop: Workshop) -> list[str]:
    return [workshop.area_id, *([workshop.pairing.helper.area_id] if workshop.pairing_id else [])]


def workshop_employees_add(*, actor, workshop: Workshop, members) -> int:
    """Record poor members a workshop employs (those already recorded stay as they are); returns how many were
    added. Permission where the workshop is (or at its pairing's helping end)."""
    members = list(members)
    _require_either(actor, _workshop_places(workshop))
    if not members:
        raise ValidationFailed(_("Name at least one member."), field="members")
    for member in members:
        workshop_employee_rules(member)
    with transaction.atomic():
        recorded = set(workshop.poor_employees.values_list("pk", flat=True))
        new = [member for member in dict.fromkeys(members) if member.pk not in recorded]
        workshop.poor_employees.add(*new)
        audit_record(actor=actor, action=WORKSHOP_EMPLOYEES_ADDED, obj=workshop, area_code=workshop.area_id,
                     after={"added": [member.pk for member in new]})
    return len(new)


def workshop_employee_remove(*, actor, workshop: Workshop, member) -> None:
    """The member no longer works at the workshop."""
    _require_either(actor, _workshop_places(workshop))
    with transaction.atomic():
        workshop.poor_employees.remove(member)
        audit_record(actor=actor, action=WORKSHOP_EMPLOYEE_REMOVED, obj=workshop, area_code=workshop.area_id,
                     after={"removed": member.pk})
