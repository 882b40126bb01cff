"""Every write of the funds ledger: permission check, validation, one transaction, an audit event.

Who may write: a document and its allocations belong to the issuing area's finance office (a central document to
nationwide accounts only); arrivals and spending to the area holding the money. Entries are append-only: the
service refuses to change one, and a correction is a new `adjust` entry naming the entry it corrects.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import require
from fupin.audit import registry as audit_registry
from fupin.audit.services import audit_record
from fupin.core.errors import ValidationFailed
from fupin.core.records import field_values
from fupin.core.temporal import fact_date, not_before

from . import codelists as cl
from .models import FundDocument, FundEntry
from .selectors import effective, total

DOCUMENT_SAVED = audit_registry.register("funds.document_saved", _("saved a fund document"))
ENTRY_ADDED = audit_registry.register("funds.entry_added", _("added a fund ledger entry"))

DOCUMENT_FIELDS = ("number", "title", "source", "year", "issuing_area", "total", "issued_on")
# What an entry's meaning hangs on: fixed once the ledger has entries for the document.
LEDGER_KEYS = ("source", "year", "issuing_area_id")
ENTRY_FIELDS = ("document", "kind", "area", "project", "household", "corrects", "amount", "date", "note")




def _issuer_code(document: FundDocument) -> str:
    # "" is inside no granted prefix, so only a nationwide grant may act for a central document.
    return document.issuing_area_id or ""


def fund_document_save(*, actor, data: dict, instance: FundDocument | None = None) -> FundDocument:
    document = instance or FundDocument()
    before = field_values(document, DOCUMENT_FIELDS) if instance else None
    keys_before = {name: getattr(document, name) for name in LEDGER_KEYS}
    if instance is not None:
        require(actor, Action.CHANGE, _issuer_code(instance))
    for name, value in data.items():
        if name not in DOCUMENT_FIELDS:
            raise ValidationFailed(_("Unknown field “%(field)s”."), field=name)
        setattr(document, name, value)
    document.number = (document.number or "").strip()
    require(actor, Action.CHANGE, _issuer_code(document))
    if not document.number:
        raise ValidationFailed(_("The document number must not be empty."), field="number")
    if not (document.title or "").strip():
        raise ValidationFailed(_("The title must not be empty."), field="title")
    if document.source not in cl.FUND_SOURCE.values:
        raise ValidationFailed(_("Unknown fund source “%(source)s”."), field="source", source=document.source)
    if not 1980 <= (document.year or 0) <= 2100:
        raise ValidationFailed(_("%(year)s is not a plausible budget year."), field="year", year=document.year)
    if document.total is None or document.total <= 0:
        raise ValidationFailed(_("The total must be positive."), field="total")
    if document.issued_on in (None, ""):
        raise ValidationFailed(_("Give the date the document was issued."), field="issued_on")
    document.issued_on = fact_date(document.issued_on, field="issued_on", label=_("issue date"))
    if instance is not None:
        first = instance.entries.order_by("date").values_list("date", flat=True).first()
        if first is not None and document.issued_on > first:
            raise ValidationFailed(_("The document cannot be issued after its first ledger entry (%(date)s)."),
                                   field="issued_on", date=first.isoformat())
    same = FundDocument.objects.filter(number=document.number, year=document.year,
                                       issuing_area=document.issuing_area_id).exclude(pk=document.pk)
    if same.exists():
        raise ValidationFailed(_("Document %(number)s of %(year)s is already recorded for this issuer."),
                               field="number", number=document.number, year=document.year)
    if instance is not None and instance.entries.exists():
        changed = [name for name in LEDGER_KEYS if getattr(document, name) != keys_before[name]]
        if changed:
            raise ValidationFailed(_("The source, year and issuer of a document with ledger entries are fixed."),
                                   field=changed[0].removesuffix("_id"))
        allocated = total(instance.entries.filter(effective("allocate")))
        if document.total < allocated:
            raise ValidationFailed(_("The total cannot be less than the %(allocated)s already allocated."),
                                   field="total", allocated=allocated)
    with transaction.atomic():
        if instance is None:
            document.recorded_by = actor
        document.save()
        audit_record(actor=actor, action=DOCUMENT_SAVED, obj=document, area_code=_issuer_code(document),
                     before=before, after=field_values(document, DOCUMENT_FIELDS))
    return document


def _inside(code: str, area) -> bool:
    return code.startswith(area.prefix)


def _entry_shape(entry: FundEntry) -> str:
    """Check what an entry names for its kind and return the kind whose balances it moves."""
    if entry.kind not in cl.ENTRY_KIND.values:
        raise ValidationFailed(_("Unknown kind of entry “%(kind)s”."), field="kind", kind=entry.kind)
    if entry.amount is None or entry.date in (None, ""):
        raise ValidationFailed(_("Give the amount and the date."), field="amount")
    # An entry states what happened to the money: never in the future, never before the document issuing it.
    entry.date = fact_date(entry.date, field="date", label=_("entry date"))
    not_before(entry.date, entry.document.issued_on, field="date", label=_("entry date"),
               earlier_label=_("the document's issue date"))
    if entry.kind == "adjust":
        original = entry.corrects
        if original is None:
            raise ValidationFailed(_("A correction names the entry it corrects."), field="corrects")
        if original.kind == "adjust":
            raise ValidationFailed(_("Correct the original entry, not a correction."), field="corrects")
        if original.document_id != entry.document_id:
            raise ValidationFailed(_("The corrected entry belongs to another document."), field="corrects")
        if entry.amount == 0:
            raise ValidationFailed(_("A correction of zero changes nothing."), field="amount")
        not_before(entry.date, original.date, field="date", label=_("correction date"),
                   earlier_label=_("the corrected entry's date"))
        # A correction moves the same money as the entry it corrects.
        entry.area_id, entry.project_id, entry.household_id = original.area_id, original.project_id, \
            original.household_id
        return original.kind
    if entry.corrects_id is not None:
        raise ValidationFailed(_("Only a correction names another entry."), field="corrects")
    if entry.amount <= 0:
        raise ValidationFailed(_("The amount must be positive; a return is a correction."), field="amount")
    if entry.kind == "spend":
        if entry.project_id is None:
            raise ValidationFailed(_("Name the project the money is spent on."), field="project")
        if not _inside(entry.project.area_id, entry.area):
            raise ValidationFailed(_("The project is not in the area that holds the money."), field="project")
        if entry.household_id and not _inside(entry.household.area_id, entry.area):
            raise ValidationFailed(_("The household is not in the area that holds the money."), field="household")
    elif entry.project_id or entry.household_id:
        raise ValidationFailed(_("Only spending names a project or a household."), field="project")
    document = entry.document
    if entry.kind == "allocate" and document.issuing_area_id and not _inside(entry.area_id, document.issuing_area):
        raise ValidationFailed(_("Money can only be allocated inside the issuing area."), field="area")
    return entry.kind


def _area_ledger(document: FundDocument, area_code: str) -> list[tuple]:
    """(date, kind whose balance it moves, amount) of every entry of the document at the area."""
    rows = FundEntry.objects.filter(document=document, area_id=area_code).values_list(
        "date", "kind", "corrects__kind", "amount")
    return [(day, corrected or kind, amount) for day, kind, corrected, amount in rows]


def _balances_as_of(ledger: list[tuple], days: list) -> list[tuple]:
    """(day, allocated, arrived and spent as of that day) for each of the sorted `days`, in one pass."""
    ledger = sorted(ledger, key=lambda row: row[0])
    sums = {kind: Decimal("0.00") for kind in ("allocate", "arrive", "spend")}
    index, result = 0, []
    for day in days:
        while index < len(ledger) and ledger[index][0] <= day:
            sums[ledger[index][1]] += ledger[index][2]
            index += 1
        result.append((day, dict(sums)))
    return result


def _check_balances(entry: FundEntry, moves: str) -> None:
    """Refuse an entry after which the document or the area would hold impossible amounts: more allocated than
    the document's total, more arrived than allocated, more spent than arrived, or a correction below zero.

    The area's balances are checked as of the entry's date and of every later date the ledger has an entry on:
    money spent on 2017-05-01 must have arrived by 2017-05-01, and a back-dated entry must leave every later
    entry still covered (totals alone would let spending precede its arrival)."""
    amount = entry.amount
    document = entry.document
    if entry.kind == "adjust":
        net = entry.corrects.amount + total(entry.corrects.corrections.all()) + amount
        if net < 0:
            raise ValidationFailed(_("The correction takes back more than the entry recorded (%(left)s left)."),
                                   field="amount", left=net - amount)
    if moves == "allocate":
        allocated = total(FundEntry.objects.filter(effective("allocate"), document=document))
        if allocated + amount > document.total:
            raise ValidationFailed(_("Only %(left)s of the document's %(total)s is left to allocate."),
                                   field="amount", left=document.total - allocated, total=document.total)
    ledger = _area_ledger(document, entry.area_id)
    days = sorted({entry.date, *(day for day, _kind, _amount in ledger if day > entry.date)})
    for day, before in _balances_as_of(ledger, days):
        after = {**before, moves: before[moves] + amount}
        when = day.isoformat()
        if moves == "allocate" and after["allocate"] < after["arrive"]:
            raise ValidationFailed(_("As of %(date)s, %(arrived)s had already arrived at the area; the allocation "
                                     "cannot fall below it."), field="amount", arrived=after["arrive"], date=when)
        if moves == "arrive" and after["arrive"] > after["allocate"]:
            raise ValidationFailed(_("As of %(date)s only %(left)s allocated to the area had not arrived yet."),
                                   field="amount", left=before["allocate"] - before["arrive"], date=when)
        if moves == "arrive" and after["arrive"] < after["spend"]:
            raise ValidationFailed(_("As of %(date)s, %(spent)s had already been spent; arrivals cannot fall "
                                     "below it."), field="amount", spent=after["spend"], date=when)
        if moves == "spend" and after["spend"] > after["arrive"]:
            raise ValidationFailed(_("As of %(date)s only %(left)s of this document had arrived at the area and "
                                     "was unspent."), field="amount", left=before["arrive"] - before["spend"],
                                   date=when)


def entry_save(*, actor, data: dict, instance: FundEntry | None = None) -> FundEntry:
    """Add a ledger entry. `instance` is accepted for the shape every write has, and always refused: entries are
    never changed, a correction is a new entry of kind `adjust`."""
    if instance is not None:
        raise ValidationFailed(_("Ledger entries cannot be changed; add a correcting entry instead."),
                               field="corrects")
    entry = FundEntry()
    for name, value in data.items():
        if name not in ENTRY_FIELDS:
            raise ValidationFailed(_("Unknown field “%(field)s”."), field=name)
        setattr(entry, name, value)
    if entry.document_id is None:
        raise ValidationFailed(_("Name the fund document."), field="document")
    moves = _entry_shape(entry)
    # Allocating is the issuer's act; receiving and spending are the holding area's.
    require(actor, Action.CHANGE, _issuer_code(entry.document) if moves == "allocate" else entry.area_id)
    entry.amount = Decimal(entry.amount).quantize(Decimal("0.01"))
    with transaction.atomic():
        # Balances are checked with the document locked, so two spendings at once cannot both pass.
        entry.document = FundDocument.objects.select_for_update().get(pk=entry.document_id)
        _check_balances(entry, moves)
        entry.recorded_by = actor
        entry.save()
        audit_record(actor=actor, action=ENTRY_ADDED, obj=entry, area_code=entry.area_id,
                     after=field_values(entry, ENTRY_FIELDS))
    return entry

