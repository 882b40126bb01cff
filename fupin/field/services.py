"""Sync of what phones recorded offline: each entry goes through the same service as the web form that makes that
record (assistance visits, personnel check-ins, registry member and year updates, monitoring task completion), so
the user's permission, the scoping, the rules and the audit are the web's; this module only finds the records the
phone names (through the scoped selectors), keeps the answer per client id, and compares what the phone read with
what the server holds now.

Answers per entry:
- applied — the record was made; with the village distance check (far positions are flagged, never refused);
- refused — the services said no (outside the user's villages, a rule, a date in the future …), with why;
- conflict — the record changed on the server after the phone read it: the server's value is kept and sent back
  for the user to look at and, if still right, enter again (a new entry).
An entry is answered once: its row (FieldEntry) is written with the record it made, in one transaction, so sending
it again — the phone lost the answer — gives the same answer and makes nothing new.
"""

import base64
import binascii
import datetime
import uuid
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as translate
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import can_anywhere, grants_read_once
from fupin.areas.locations import locations_read_once, position_check
from fupin.assistance import services as assistance_services
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import Conflict, NotFound, PermissionDenied, ServiceError, ValidationFailed
from fupin.core.temporal import fact_date
from fupin.monitoring import services as monitoring_services
from fupin.monitoring.models import TaskStatus
from fupin.personnel import services as personnel_services
from fupin.registry import services as registry_services

from . import selectors
from .models import EntryKind, EntryOutcome, FieldEntry

ENTRY_SYNCED = audit_registry.register("field.entry_synced", _("synced an entry from the field app"))

MAX_ENTRIES = 500  # per request; the phone sends its queue in batches
MAX_PHOTOS = 3  # per visit: the phone resizes each to ≤ 1280 px JPEG, about 150–300 KB
MAX_PHOTO_BYTES = 500_000
PHOTO_FOLDER = selectors.PHOTO_FOLDER


class OutsideGrant(ServiceError):
    default_message = _("This record is not in the villages you may record for (or no longer exists); the entry "
                        "was not saved.")


def _coordinate(value, limit: int, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(_("%(value)s is not a coordinate."), field=field, value=value) from None
    if not number.is_finite() or abs(number) > limit:
        raise ValidationFailed(_("%(value)s is not a coordinate."), field=field, value=value)
    return number.quantize(Decimal("0.000001"))


def _position(data: dict) -> tuple[Decimal | None, Decimal | None]:
    latitude = _coordinate(data.get("latitude"), 90, "latitude")
    longitude = _coordinate(data.get("longitude"), 180, "longitude")
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(_("Give both latitude and longitude, or neither."), field="latitude")
    return latitude, longitude


def _photos(client_id: uuid.UUID, given) -> list[tuple[str, bytes]]:
    """The visit's photos as the phone sent them (JPEG data URLs), checked; their storage names are the entry's
    client id, so a re-sent entry cannot leave a second copy."""
    if given in (None, ""):
        return []
    if not isinstance(given, list) or len(given) > MAX_PHOTOS:
        raise ValidationFailed(_("A visit has at most %(count)s photos."), field="photos", count=MAX_PHOTOS)
    photos = []
    for index, text in enumerate(given, 1):
        if not isinstance(text, str) or not text.startswith("data:image/jpeg;base64,"):
            raise ValidationFailed(_("Photo %(number)s is not a JPEG image."), field="photos", number=index)
        try:
            content = base64.b64decode(text.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(_("Photo %(number)s is not a JPEG image."), field="photos", number=index) from None
        if not content.startswith(b"\xff\xd8"):
            raise ValidationFailed(_("Photo %(number)s is not a JPEG image."), field="photos", number=index)
        if len(content) > MAX_PHOTO_BYTES:
            raise ValidationFailed(_("Photo %(number)s is larger than %(size)s KB."), field="photos", number=index,
                                   size=MAX_PHOTO_BYTES // 1000)
        photos.append((f"{PHOTO_FOLDER}/{client_id}-{index}.jpg", content))
    return photos


def _store_photos(photos: list[tuple[str, bytes]]) -> list[str]:
    names = []
    for name, content in photos:
        if default_storage.exists(name):
            default_storage.delete(name)
        names.append(default_storage.save(name, ContentFile(content)))
    return names


def _date(value, field: str, label) -> datetime.date:
    return fact_date(value, field=field, label=label)


def _located(entry: FieldEntry, area_code: str, latitude, longitude) -> None:
    check = position_check(area_code, latitude, longitude)
    entry.distance_m, entry.far_from_village = check.distance_m, check.far


class Batch:
    """What the entries of one request name, read once for all of them through the same scoped selectors: the
    households visits name and the memberships check-ins name that the user may change, and those households'
    responsible cadres. (The user's grants and the villages' locations are read once per request too:
    `grants_read_once`, `locations_read_once` over `villages`.) Entries that change a household or a member read it
    afresh, under their own transaction."""

    def __init__(self, actor, entries):
        named: dict[str, set] = {EntryKind.VISIT: set(), EntryKind.CHECK_IN: set()}
        for raw in entries:
            data = raw.get("data") if isinstance(raw, dict) else None
            if isinstance(data, dict) and raw.get("kind") in named:
                value = data.get("household" if raw.get("kind") == EntryKind.VISIT else "membership")
                if str(value).isdigit():
                    named[raw.get("kind")].add(int(value))
        self.asked_households, self.asked_memberships = named[EntryKind.VISIT], named[EntryKind.CHECK_IN]
        self.households = selectors.households_for_batch(actor=actor, pks=self.asked_households)
        self.duties = selectors.duties_for_batch(self.households)
        self.memberships = selectors.memberships_for_batch(actor=actor, pks=self.asked_memberships)
        # The villages whose location the visits' and check-ins' position checks compare with.
        self.villages = {household.area_id for household in self.households.values()} | {
            membership.team.village_id for membership in self.memberships.values()}

    def household(self, actor, pk):
        if str(pk).isdigit() and int(pk) in self.asked_households:
            found = self.households.get(int(pk))
            if found is None:
                raise OutsideGrant()
            return found
        return _household(actor, pk)

    def membership(self, actor, pk):
        if str(pk).isdigit() and int(pk) in self.asked_memberships:
            found = self.memberships.get(int(pk))
            if found is None:
                raise OutsideGrant()
            return found
        try:
            return selectors.membership_for_entry(actor=actor, pk=pk)
        except NotFound:
            raise OutsideGrant() from None


class NoBatch(Batch):
    """One entry on its own: everything read when it is needed."""

    def __init__(self):
        self.asked_households = self.asked_memberships = set()
        self.households, self.duties, self.memberships, self.villages = {}, {}, {}, set()


# One handler per kind: it names the records through the scoped selectors, calls the web form's service and fills
# the entry (area, household, record); it returns the answer's extra fields.
def _visit(actor, data: dict, entry: FieldEntry, batch: Batch) -> dict:
    household = batch.household(actor, data.get("household"))
    entry.household, entry.area_code = household, household.area_id
    visited_on = _date(data.get("visited_on"), "visited_on", _("visit date"))
    cadre = selectors.responsible_cadre(household=household, cadre_id=data.get("cadre"), on=visited_on,
                                        duties=batch.duties.get(household.pk) if household.pk in batch.households
                                        else None)
    if cadre is None:
        raise ValidationFailed(_("Choose one of the household's responsible cadres on the day of the visit."),
                               field="cadre")
    latitude, longitude = _position(data)
    photos = _photos(entry.client_id, data.get("photos"))
    visit = assistance_services.record_save(actor=actor, kind="visit", data={
        "household": household, "cadre": cadre, "visited_on": visited_on, "notes": str(data.get("notes") or ""),
        "photos": [name for name, _content in photos], "latitude": latitude, "longitude": longitude})
    stored = _store_photos(photos)
    if stored != visit.photos:  # the storage renamed a file: the visit names what was stored
        visit.photos = stored
        visit.save(update_fields=["photos", "updated_at"])
    _located(entry, household.area_id, latitude, longitude)
    entry.object_type, entry.object_id = visit._meta.label_lower, str(visit.pk)
    return {"photos": len(stored)}


def _check_in(actor, data: dict, entry: FieldEntry, batch: Batch) -> dict:
    membership = batch.membership(actor, data.get("membership"))
    entry.area_code = membership.team.village_id
    latitude, longitude = _position(data)
    check_in = personnel_services.check_in_save(actor=actor, data={
        "membership": membership, "day": _date(data.get("day"), "day", _("check-in day")),
        "latitude": latitude, "longitude": longitude})
    entry.distance_m, entry.far_from_village = check_in.distance_m, check_in.far_from_village
    entry.object_type, entry.object_id = check_in._meta.label_lower, str(check_in.pk)
    return {}


def _member_server(member) -> dict:
    member.refresh_from_db()
    values = {name: getattr(member, name) for name in selectors.MEMBER_EDITABLE}
    labels = {name: codes.label(getattr(member, name)) if getattr(member, name) in codes.values else ""
              for name, codes in selectors.MEMBER_EDITABLE.items()}
    return {"member": member.pk, "household_version": selectors.household_version(member.household_id),
            "values": values, "labels": labels}


def _member(actor, data: dict, entry: FieldEntry, batch: Batch) -> dict:
    try:
        member = selectors.member_for_entry(actor=actor, pk=data.get("member"))
    except NotFound:
        raise OutsideGrant() from None
    entry.household, entry.area_code = member.household, member.household.area_id
    changes = data.get("changes") or {}
    unknown = [name for name in changes if name not in selectors.MEMBER_EDITABLE]
    if not isinstance(changes, dict) or not changes or unknown:
        raise ValidationFailed(_("The phone may change a member's health, ability to work, work and schooling "
                                 "only."), field=(unknown or ["changes"])[0])
    try:
        version = int(data.get("household_version"))
    except (TypeError, ValueError):
        raise ValidationFailed(_("The entry does not say which version of the household it was made on."),
                               field="household_version") from None
    try:
        registry_services.member_update(actor=actor, member=member, household_version=version, changes=changes)
    except Conflict as exc:
        exc.server = _member_server(member)
        raise
    entry.object_type, entry.object_id = member._meta.label_lower, str(member.pk)
    return {}


def _income(actor, data: dict, entry: FieldEntry, batch: Batch) -> dict:
    household = _household(actor, data.get("household"))
    entry.household, entry.area_code = household, household.area_id
    try:
        year = int(data.get("year"))
    except (TypeError, ValueError):
        raise ValidationFailed(_("Give the year of the incomes."), field="year") from None
    values = data.get("values") or {}
    unknown = [name for name in values if name not in selectors.INCOME_EDITABLE]
    if not isinstance(values, dict) or not values or unknown:
        raise ValidationFailed(_("The phone may enter wage, business, property and transfer income and business "
                                 "expenses only."), field=(unknown or ["values"])[0])
    row = selectors.year_record(household=household, year=year, for_update=True)
    stored = row.updated_at if row else None
    read = parse_datetime(data["read_at"]) if data.get("read_at") else None
    if stored != read:
        error = Conflict(_("The incomes of %(year)s were changed on the server after your phone read them; the "
                           "server's values were kept."), year=year)
        error.server = {"household": household.pk, "year": year, "values": {
            name: str(getattr(row, name)) if row and getattr(row, name) is not None else None
            for name in (*selectors.INCOME_EDITABLE, "net_income_per_capita")},
            "read_at": row.updated_at.isoformat() if row else None}
        raise error
    saved = registry_services.household_year_save(actor=actor, household=household, year=year, data=values)
    entry.object_type, entry.object_id = saved._meta.label_lower, str(saved.pk)
    return {"net_income_per_capita": str(saved.net_income_per_capita)
            if saved.net_income_per_capita is not None else None}


def _follow_up(actor, data: dict, entry: FieldEntry, batch: Batch) -> dict:
    try:
        task = selectors.task_for_entry(actor=actor, pk=data.get("task"))
    except NotFound:
        raise OutsideGrant() from None
    entry.household_id, entry.area_code = task.household_id, task.area_code
    if task.status != TaskStatus.OPEN:
        error = Conflict(_("This warning was already followed up on the server; its outcome was kept."))
        error.server = {"task": task.pk, "status": task.get_status_display(), "outcome": task.get_outcome_display(),
                        "completed_on": task.completed_on.isoformat() if task.completed_on else None}
        raise error
    latitude, longitude = _position(data)
    photos = _photos(entry.client_id, data.get("photos"))
    task = monitoring_services.task_complete(
        actor=actor, task=task, confirmed=bool(data.get("confirmed")),
        visited_on=_date(data.get("visited_on"), "visited_on", _("visit date")), notes=str(data.get("notes") or ""),
        reason=str(data.get("reason") or ""), category=str(data.get("category") or ""),
        photos=[name for name, _content in photos], latitude=latitude, longitude=longitude)
    _store_photos(photos)
    _located(entry, task.area_code, latitude, longitude)
    entry.object_type, entry.object_id = task._meta.label_lower, str(task.pk)
    return {"task_outcome": task.get_outcome_display()}


def _household(actor, pk):
    try:
        return selectors.household_for_entry(actor=actor, pk=pk)
    except NotFound:
        raise OutsideGrant() from None


HANDLERS = {EntryKind.VISIT: _visit, EntryKind.CHECK_IN: _check_in, EntryKind.MEMBER: _member,
            EntryKind.INCOME: _income, EntryKind.FOLLOW_UP: _follow_up}
APPLIED_MESSAGES = {
    EntryKind.VISIT: _("Visit recorded."), EntryKind.CHECK_IN: _("Check-in recorded."),
    EntryKind.MEMBER: _("Member updated."), EntryKind.INCOME: _("Incomes saved."),
    EntryKind.FOLLOW_UP: _("Warning followed up."),
}


def _answer(entry: FieldEntry, message: str, extra: dict) -> dict:
    answer = {"id": str(entry.client_id), "kind": entry.kind, "outcome": entry.outcome, "message": message,
              "record": {"type": entry.object_type, "id": entry.object_id} if entry.object_id else None,
              "distance_m": entry.distance_m, "far_from_village": entry.far_from_village, **extra}
    return answer


def _refusal(raw_id, kind, message) -> dict:
    return {"id": raw_id, "kind": kind, "outcome": EntryOutcome.REFUSED.value, "message": message, "record": None,
            "distance_m": None, "far_from_village": False}


def _client_id(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw.get("id") if isinstance(raw, dict) else None))
    except ValueError:
        return None


def entry_sync(*, actor, raw, answered: dict | None = None, batch: Batch | None = None) -> dict:
    """Apply one entry the phone sent (or give the answer it already had; `answered`: the batch's answers found
    beforehand, by client id; `batch`: what the batch's entries name, read beforehand)."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        client_id = uuid.UUID(str(raw_id))
    except ValueError:
        return _refusal(raw_id, None, translate("The entry has no valid client id; it cannot be synced."))
    kind = raw.get("kind")
    if kind not in EntryKind.values:
        return _refusal(str(client_id), kind, translate("Unknown kind of entry."))
    if answered is None:
        found = selectors.entry_answered(actor=actor, client_id=client_id)
        answered = {client_id: found.answer} if found else {}
    if client_id in answered:
        return answered[client_id]
    data = raw.get("data") if isinstance(raw.get("data"), dict) else {}
    recorded_at = parse_datetime(str(raw.get("recorded_at") or "")) if raw.get("recorded_at") else None
    entry = FieldEntry(user=actor, client_id=client_id, kind=kind, recorded_at=recorded_at)
    try:
        with transaction.atomic():
            extra = HANDLERS[kind](actor, data, entry, batch or NoBatch())
            entry.outcome = EntryOutcome.APPLIED
            message = str(APPLIED_MESSAGES[kind])
            if entry.far_from_village:
                message += " " + translate("The position was %(distance)s m from the village: flagged for a "
                                           "check.") % {"distance": entry.distance_m}
            return _keep(actor, entry, message, extra, audited=True)
    except Conflict as exc:
        entry.outcome = EntryOutcome.CONFLICT
        return _kept_outside(actor, entry, str(exc), {"server": getattr(exc, "server", None)})
    except (ValidationFailed, PermissionDenied, NotFound, OutsideGrant) as exc:
        entry.outcome = EntryOutcome.REFUSED
        field = getattr(exc, "field", None)
        return _kept_outside(actor, entry, str(exc), {"field": field} if field else {})
    except IntegrityError:
        answered = selectors.entry_answered(actor=actor, client_id=client_id)
        if answered is None:
            raise
        return answered.answer


def _keep(actor, entry: FieldEntry, message: str, extra: dict, audited: bool = False) -> dict:
    """Keep the entry with its answer. An applied entry was audited by the service that made its record (the
    same event as the web form's); the entry's row links its client id to that record. A refused or conflicting
    entry made nothing: its own event is the audit of the attempt. So every entry has one event."""
    entry.answer = _answer(entry, message, extra)
    entry.save()
    if audited:
        return entry.answer
    audit_record(actor=actor, action=ENTRY_SYNCED, obj=entry, area_code=entry.area_code, after={
        "client_id": str(entry.client_id), "kind": entry.kind, "outcome": entry.outcome,
        "record": entry.answer["record"], "far_from_village": entry.far_from_village,
        "distance_m": entry.distance_m})
    return entry.answer


def _kept_outside(actor, entry: FieldEntry, message: str, extra: dict) -> dict:
    """A refused or conflicting entry's answer, kept on its own (the records it tried were rolled back)."""
    entry.object_type = entry.object_id = ""
    entry.distance_m, entry.far_from_village = None, False
    try:
        with transaction.atomic():
            return _keep(actor, entry, message, extra)
    except IntegrityError:  # the same entry sent at once from two tabs: the first answer stands
        return selectors.entry_answered(actor=actor, client_id=entry.client_id).answer


def sync(*, actor, entries) -> list[dict]:
    """Apply a batch of entries in the order the phone queued them; each is answered on its own."""
    with grants_read_once():  # from the permission check on: the entries' services ask it again
        if not can_anywhere(actor, Action.CHANGE):
            raise PermissionDenied()
        if not isinstance(entries, list) or not entries:
            raise ValidationFailed(_("Send a list of entries."), field="entries")
        if len(entries) > MAX_ENTRIES:
            raise ValidationFailed(_("Send at most %(count)s entries at once."), field="entries", count=MAX_ENTRIES)
        answered = selectors.entries_answered(actor=actor, client_ids=set(filter(None, map(_client_id, entries))))
        batch = Batch(actor, [raw for raw in entries if _client_id(raw) not in answered])
        results = []
        with locations_read_once(batch.villages):
            for raw in entries:
                results.append(entry_sync(actor=actor, raw=raw, answered=answered, batch=batch))
                client_id = _client_id(raw)
                if client_id is not None:  # the same entry twice in one batch: the second gets the first's answer
                    answered[client_id] = results[-1]
    return results
