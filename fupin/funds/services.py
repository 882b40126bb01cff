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

from . import codelists as cl
from .models import FundDocument, FundEntry
from .selectors import area_balance, effective, total

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
    if entry.amount is None or entry.date is None:
        raise ValidationFailed(_("Give the amount and the date."), field="amount")
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


def _check_balances(entry: FundEntry, moves: str) -> None:
    """Refuse an entry after which the document or the area would hold impossible amounts: more allocated than
    the document's total, more arrived than allocated, more spent than arrived, or a correction below zero."""
    amount = entry.amount
    document = entry.document
    balance = area_balance(document, entry.area_id)
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
        if balance["allocated"] + amount < balance["arrived"]:
            raise ValidationFailed(_("%(arrived)s has already arrived at the area; the allocation cannot fall "
                                     "below it."), field="amount", arrived=balance["arrived"])
    elif moves == "arrive":
        if balance["arrived"] + amount > balance["allocated"]:
            raise ValidationFailed(_("Only %(left)s allocated to the area has not arrived yet."), field="amount",
                                   left=balance["not_arrived"])
        if balance["arrived"] + amount < balance["spent"]:
            raise ValidationFailed(_("%(spent)s has already been spent; arrivals cannot fall below it."),
                                   field="amount", spent=balance["spent"])
    elif moves == "spend" and balance["spent"] + amount > balance["arrived"]:
        raise ValidationFailed(_("Only %(left)s of this document has arrived at the area and is unspent."),
                               field="amount", left=balance["unspent_arrived"])


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

