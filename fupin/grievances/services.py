"""Every write on complaints: filing (by a user, by the public form, from an objection to a notice), the lifecycle
received → accepted → investigating → replied → satisfaction recorded → closed (or not accepted, with the reason),
corrections linked, the look at a reporter's identity, and the link from a cadre to their account.

Each checks its permission, validates, writes in one transaction with its lifecycle step and audits. Audit events
never carry the reporter's identity (support staff read the audit trail): only whether one was given."""

import datetime
import re
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.audit import registry as audit_registry
from fupin.audit.models import AuditEvent
from fupin.audit.services import audit_record
from fupin.core import temporal
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.core.idnumbers import normalise_identity, parse_id_number
from fupin.funds import selectors as fund_selectors
from fupin.personnel import selectors as personnel_selectors
from fupin.projects import selectors as project_selectors
from fupin.registry import selectors as registry_selectors

from . import selectors
from .models import CadreAccount, Channel, Finding, Satisfaction, Status, Ticket, TicketCorrection, TicketEvent

FILED = audit_registry.register("grievances.filed", _("filed a complaint"))
MOVED = audit_registry.register("grievances.moved", _("moved a complaint to its next step"))
CORRECTION_LINKED = audit_registry.register("grievances.correction_linked", _("linked a correction to a complaint"))
REPORTER_SHOWN = audit_registry.register("grievances.reporter_shown", _("saw a complainant's identity"))
CADRE_LINKED = audit_registry.register("grievances.cadre_linked", _("linked a cadre to their account"))

TRACKING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone
PHONE = re.compile(r"^\+?[0-9]{5,15}$")

# step → (statuses it starts from, status it leads to)
STEPS = {
    "accept": ((Status.RECEIVED,), Status.ACCEPTED),
    "not_accept": ((Status.RECEIVED,), Status.NOT_ACCEPTED),
    "investigate": ((Status.ACCEPTED,), Status.INVESTIGATING),
    "reply": ((Status.INVESTIGATING,), Status.REPLIED),
    "rate": ((Status.REPLIED,), Status.RATED),
    # A reporter dissatisfied with the reply: the office investigates again (复查) and replies again.
    "reinvestigate": ((Status.RATED,), Status.INVESTIGATING),
    "close": ((Status.RATED,), Status.CLOSED),
}
STEP_LABELS = {
    "accept": _("Accept"), "not_accept": _("Do not accept"), "investigate": _("Start the investigation"),
    "reply": _("Reply"), "rate": _("Record the reporter's satisfaction"), "reinvestigate": _("Investigate again"),
    "close": _("Close"),
}


def new_tracking_number() -> str:
    """XF + 10 random characters (32¹⁰ ≈ 10¹⁵): a number nobody can guess, so the public status check shows
    nothing to someone trying numbers."""
    while True:
        number = "XF" + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(10))
        if not Ticket.objects.filter(tracking_number=number).exists():
            return number


def _reporter(data: dict) -> dict:
    name = (data.get("reporter_name") or "").strip()
    phone = re.sub(r"[\s\-()]", "", normalise_identity(data.get("reporter_phone") or ""))
    identity = (data.get("reporter_id_number") or "").strip()
    if phone and not PHONE.match(phone):
        raise ValidationFailed(_("A phone number has 5 to 15 digits: “%(value)s”."), field="reporter_phone",
                               value=data.get("reporter_phone"))
    if identity:
        identity = parse_id_number(identity).number
    return {"reporter_name": name[:60], "reporter_phone": phone, "reporter_id_number": identity}


def _inside(record_area: str, area) -> bool:
    return record_area.startswith(area.prefix)


def _linked_records(actor, data: dict, area) -> dict:
    """The records a complaint concerns, each checked against the filer's areas (one outside them answers as a
    missing one) and against the area of the complaint."""
    linked = {}
    lookups = {
        "household": (lambda: registry_selectors.household_list(actor=actor), _("household")),
        "project": (lambda: project_selectors.project_list(actor=actor), _("project")),
        "fund_entry": (lambda: fund_selectors.entry_list(actor=actor), _("fund entry")),
        "cadre": (lambda: personnel_selectors.cadre_list(actor=actor), _("cadre")),
    }
    for name, (select, label) in lookups.items():
        record = data.get(name)
        if record is None:
            linked[name] = None
            continue
        if actor is None or not select().filter(pk=record.pk).exists():
            raise ValidationFailed(_("No such %(record)s in your areas."), field=name, record=label)
        if name != "cadre" and area is not None and not _inside(record.area_id, area):
            raise ValidationFailed(_("The %(record)s concerned is not in %(area)s."), field=name, record=label,
                                   area=area.name)
        linked[name] = record
    return linked


def _record_area(linked: dict):
    for name in ("household", "project", "fund_entry"):
        if linked.get(name) is not None:
            return linked[name].area
    return None


def ticket_file(*, actor, data: dict) -> Ticket:
    """A complaint received by an office (hotline, letter, visit, inspection): `data` holds channel, category,
    area (or a linked record to take it from), summary, content, optionally the records concerned (household,
    project, fund_entry, cadre), the reporter's name, phone and ID number, the received date (a fact's date: today
    by default, never in the future) and the hotline's or letter office's reference."""
    channel = data.get("channel")
    if channel not in Channel.values or channel == Channel.NOTICE_OBJECTION:
        raise ValidationFailed(_("Choose how the complaint was received."), field="channel")
    area = data.get("area")
    linked = _linked_records(actor, data, area)
    area = area or _record_area(linked)
    if area is None:
        raise ValidationFailed(_("Name the area the complaint concerns."), field="area")
    require(actor, Action.CHANGE, area.code)
    received_on = temporal.fact_date(data.get("received_on"), field="received_on", label=_("date received"))
    return _create(actor=actor, channel=channel, category=data.get("category"), area=area, linked=linked,
                   data=data, received_on=received_on)


def ticket_file_public(*, data: dict) -> Ticket:
    """A complaint a villager files without an account (the public form): online, received today, no records
    named (the public form cannot read them); the rate limit is the page's (ratelimit.py)."""
    area = data.get("area")
    if area is None:
        raise ValidationFailed(_("Name the area the complaint concerns."), field="area")
    return _create(actor=None, channel=Channel.ONLINE, category=data.get("category"), area=area, linked={},
                   data=data, received_on=temporal.today())


def ticket_from_objection(*, objection) -> Ticket | None:
    """The complaint an objection to a public notice becomes (its channel "objection to a public notice"): the
    case's area and household, category "identification errors". Called inside the transaction recording the
    objection (hooks.py); the objection keeps its own resolution in the procedure."""
    if Ticket.objects.filter(objection=objection).exists():
        return None
    category = selectors.category_by_code("identification")
    if category is None:  # the categories' data removed: the objection stands on its own
        return None
    case = objection.case
    data = {"summary": objection.content[:200], "content": objection.content,
            "reporter_name": objection.raised_by, "category": category}
    return _create(actor=None, channel=Channel.NOTICE_OBJECTION, category=category, area=case.area,
                   linked={"household": case.household}, data=data, received_on=objection.received_on,
                   objection=objection, check_reporter=False)


def _create(*, actor, channel, category, area, linked: dict, data: dict, received_on: datetime.date,
            objection=None, check_reporter: bool = True) -> Ticket:
    if category is None or not category.active:
        raise ValidationFailed(_("Choose the category of the complaint."), field="category")
    summary = (data.get("summary") or "").strip()
    content = (data.get("content") or "").strip()
    if not summary:
        raise ValidationFailed(_("Give the complaint a short summary."), field="summary")
    if not content:
        raise ValidationFailed(_("Write what the complaint is about."), field="content")
    reporter = _reporter(data) if check_reporter else {"reporter_name": (data.get("reporter_name") or "")[:60]}
    office = selectors.office_for(area, category.handling_level)
    deadline = received_on + datetime.timedelta(days=category.deadline_days)
    with transaction.atomic():
        ticket = Ticket.objects.create(
            tracking_number=new_tracking_number(), reference=(data.get("reference") or "").strip()[:60],
            channel=channel, category=category, area=area, office=office, summary=summary[:200], content=content,
            received_on=received_on, deadline=deadline, objection=objection, created_by=actor,
            household=linked.get("household"), project=linked.get("project"), fund_entry=linked.get("fund_entry"),
            cadre=linked.get("cadre"), **reporter)
        TicketEvent.objects.create(ticket=ticket, status=Status.RECEIVED, on=received_on, actor=actor)
        audit_record(actor=actor, action=FILED, obj=ticket, area_code=office.code, after={
            "tracking_number": ticket.tracking_number, "channel": channel, "category": category.code,
            "area": area.code, "office": office.code, "received_on": received_on, "deadline": deadline,
            "reporter_given": any(reporter.values()), "objection": objection.pk if objection else None,
            **{name: record.pk for name, record in linked.items() if record is not None}})
    return ticket


def require_handler(actor, ticket: Ticket) -> None:
    """The office handling the ticket (or a level above it) may move it on; never the cadre it reports."""
    require(actor, Action.CHANGE, ticket.office_id)
    if selectors.is_reported_cadre(actor, ticket):
        raise PermissionDenied()


def ticket_move(*, actor, ticket: Ticket, step: str, on=None, note: str = "", reason: str = "", reply: str = "",
                finding: str = "", satisfaction: str = "", outcome: str = "") -> Ticket:
    """One step of the lifecycle (STEPS). Its date is today (a past date only in 补录), never before the step
    before it."""
    if step not in STEPS:
        raise ValidationFailed(_("Unknown step “%(step)s”."), field="step", step=step)
    require_handler(actor, ticket)
    sources, target = STEPS[step]
    on = temporal.witnessed_date(on, field="on", label=_("date of this step"))
    note, reason, reply, outcome = (text.strip() for text in (note, reason, reply, outcome))
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.status not in sources:
            raise Conflict(_("The complaint is “%(status)s”: it cannot be moved this way (“%(step)s”)."),
                           status=ticket.get_status_display(), step=STEP_LABELS[step])
        last = ticket.events.order_by("-on").values_list("on", flat=True).first()
        temporal.not_before(on, last, field="on", label=_("date of this step"), earlier_label=_("the step before"))
        before = {"status": ticket.status}
        if step == "accept":
            ticket.accepted_on = on
        elif step == "not_accept":
            if not reason:
                raise ValidationFailed(_("Say why the complaint is not accepted."), field="reason")
            ticket.not_accepted_reason, ticket.answered_on, ticket.closed_on = reason[:500], on, on
            note = reason
        elif step == "reply":
            if not reply:
                raise ValidationFailed(_("Write the reply to the reporter."), field="reply")
            if finding not in Finding.values:
                raise ValidationFailed(_("Say whether the complaint was substantiated."), field="finding")
            ticket.reply, ticket.finding = reply, finding
            ticket.answered_on = ticket.answered_on or on  # timeliness counts the first answer
            note = note or reply
        elif step == "rate":
            if satisfaction not in Satisfaction.values:
                raise ValidationFailed(_("Choose the reporter's satisfaction."), field="satisfaction")
            ticket.satisfaction = satisfaction
            note = note or str(Satisfaction(satisfaction).label)
        elif step == "reinvestigate":
            if ticket.satisfaction != Satisfaction.DISSATISFIED:
                raise Conflict(_("A complaint is investigated again only when the reporter is dissatisfied."))
        elif step == "close":
            if not outcome:
                raise ValidationFailed(_("Write the outcome of the complaint."), field="outcome")
            if ticket.objection_id and not ticket.objection.resolution:
                raise Conflict(_("The objection to the notice is not resolved yet: resolve it in the procedure "
                                 "first."))
            ticket.outcome, ticket.closed_on = outcome, on
            note = note or outcome
        ticket.status = target
        ticket.save()
        TicketEvent.objects.create(ticket=ticket, status=target, on=on, note=note, actor=actor)
        audit_record(actor=actor, action=MOVED, obj=ticket, area_code=ticket.office_id, before=before,
                     after={"status": target, "step": step, "on": on, "finding": ticket.finding,
                            "satisfaction": ticket.satisfaction})
    return ticket


def correction_link(*, actor, ticket: Ticket, event_id: int, note: str = "") -> TicketCorrection:
    """Link the audited change a complaint led to (made through the record's own service) to the complaint."""
    require_handler(actor, ticket)
    if ticket.status in (Status.CLOSED, Status.NOT_ACCEPTED):
        raise Conflict(_("The complaint is closed."))
    event = AuditEvent.objects.filter(pk=event_id).first()
    if event is None or not event.area_code or not event.area_code.startswith(ticket.office.prefix):
        raise ValidationFailed(_("No audited change %(id)s in the area of this complaint."), field="event",
                               id=event_id)
    if event.action.startswith("grievances."):
        raise ValidationFailed(_("A correction is a change to a record, not a step of a complaint."), field="event")
    if timezone.localtime(event.occurred_at).date() < ticket.received_on:
        raise ValidationFailed(_("The change was made before the complaint was received."), field="event")
    with transaction.atomic():
        if TicketCorrection.objects.filter(ticket=ticket, event=event).exists():
            raise Conflict(_("This change is already linked to the complaint."))
        correction = TicketCorrection.objects.create(ticket=ticket, event=event, note=note.strip()[:300],
                                                     linked_by=actor)
        audit_record(actor=actor, action=CORRECTION_LINKED, obj=ticket, area_code=ticket.office_id,
                     after={"event": event.pk, "event_action": event.action, "object_type": event.object_type,
                            "object_id": event.object_id})
    return correction


def reporter_shown(*, actor, tickets: list[Ticket]) -> None:
    """Audit a look at reporters' identities (one event per ticket, naming which fields were shown, not them)."""
    with transaction.atomic():
        for ticket in tickets:
            fields = [name for name in ("reporter_name", "reporter_phone", "reporter_id_number")
                      if getattr(ticket, name)]
            audit_record(actor=actor, action=REPORTER_SHOWN, obj=ticket, area_code=ticket.office_id,
                         after={"fields": fields})


def cadre_account_link(*, actor, cadre, user) -> CadreAccount:
    """Link a cadre's record to the account the cadre logs in with (administrators of the cadre's area): reports
    about the cadre are then kept from that account."""
    require(actor, Action.ADMINISTER, cadre.area_id)
    if CadreAccount.objects.filter(user=user).exclude(cadre=cadre).exists():
        raise ValidationFailed(_("This account is already linked to another cadre."), field="user")
    with transaction.atomic():
        link, _created = CadreAccount.objects.update_or_create(cadre=cadre, defaults={"user": user})
        audit_record(actor=actor, action=CADRE_LINKED, obj=link, area_code=cadre.area_id,
                     after={"cadre": cadre.pk, "user": user.pk})
    return link


CATEGORY_SAVED = audit_registry.register("grievances.category_saved", _("saved a complaint category"))
CADRE_UNLINKED = audit_registry.register("grievances.cadre_unlinked", _("unlinked a cadre from their account"))


def category_save(*, actor, category, is_new: bool):
    """A complaint category (data: its names, days to reply, handling level, source and certainty), by a
    nationwide administrator; a category in use is retired (`active`), never deleted."""
    require(actor, Action.ADMINISTER, "")
    if category.deadline_days < 1:
        raise ValidationFailed(_("A category gives at least one day to reply."), field="deadline_days")
    with transaction.atomic():
        category.save()
        audit_record(actor=actor, action=CATEGORY_SAVED, obj=category, after={
            "code": category.code, "deadline_days": category.deadline_days, "handling_level": category.handling_level,
            "active": category.active, "certainty": category.certainty, "source": category.source, "new": is_new})
    return category


def cadre_account_unlink(*, actor, link: CadreAccount) -> None:
    require(actor, Action.ADMINISTER, link.cadre.area_id)
    with transaction.atomic():
        audit_record(actor=actor, action=CADRE_UNLINKED, obj=link, area_code=link.cadre.area_id,
                     before={"cadre": link.cadre_id, "user": link.user_id})
        link.delete()
