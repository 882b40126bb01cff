"""Many new parties, pairings and records in one call (the demo, batch loaders): the rules of `party_save`,
`pairing_save` and `record_save`, checked in sets by `records_bulk_create`."""

from functools import partial

from django.utils.translation import gettext_lazy as _

from fupin.core.errors import ValidationFailed
from fupin.core.sql import chunked
from fupin.records.batches import CHUNK, duplicates_within, problem, records_bulk_create
from fupin.registry.models import Member

from .models import LabourTransfer, Pairing, Party, TalentExchange
from .services import (
    AREA_TAKEN,
    CREDIT_CODE_TAKEN,
    HOUSEHOLD_TAKEN,
    LABOUR_BULK,
    PAIRINGS_BULK,
    PARTIES_BULK,
    TALENT_BULK,
    overlap_refusal,
    pairing_rules,
    party_rules,
    periods_overlap,
    record_rules,
)

# What the tables' unique constraints refuse (one area party per area, one party per household, one party per
# credit code — services' AREA_TAKEN, HOUSEHOLD_TAKEN, CREDIT_CODE_TAKEN —, one pairing per programme, sides and
# start): reported here instead of failing the insert.
PAIRING_TAKEN = _("This pairing already exists from that start date.")


def _stored(queryset, field: str, values) -> set:
    """The values of `field` among `values` that stored rows already hold, one query per chunk."""
    return {value for chunk in chunked(sorted(values), CHUNK)
            for value in queryset.filter(**{f"{field}__in": chunk}).values_list(field, flat=True)}


def _taken(records, key, queryset, field: str, error: ValidationFailed) -> list:
    keys = {key(r) for r in records} - {None}
    # A record without a key (a party that is no area, has no household or credit code) is checked against
    # nothing: a fresh object() equals no other key.
    return duplicates_within(records, lambda r: key(r) if key(r) is not None else object(), error,
                             _stored(queryset, field, keys))


def _party_set_rules(parties) -> list:
    return (
        _taken(parties, lambda p: p.area_id if p.kind == "area" else None, Party.objects.filter(kind="area"),
               "area_id", ValidationFailed(AREA_TAKEN, field="area"))
        + _taken(parties, lambda p: p.household_id, Party.objects.all(), "household_id",
                 ValidationFailed(HOUSEHOLD_TAKEN, field="household"))
        + _taken(parties, lambda p: p.credit_code or None, Party.objects.all(), "credit_code",
                 ValidationFailed(CREDIT_CODE_TAKEN, field="credit_code")))


def parties_bulk_create(*, actor, records, dry_run: bool = False) -> list[Party]:
    """New parties as `party_save` creates them (name and credit code tidied), each in an area the actor may
    change."""
    return records_bulk_create(actor=actor, records=records, event=PARTIES_BULK, dry_run=dry_run,
                               permitted_in=lambda p: [p.area_id], rules=party_rules, set_rules=_party_set_rules)


def _pairing_key(pairing) -> tuple:
    return pairing.programme_id, pairing.helper_id, pairing.helped_id, pairing.start_date


def _passes(rules, record) -> bool:
    try:
        rules(record)
    except ValidationFailed:
        return False
    return True


def _pairing_set_rules(pairings) -> list:
    """Exact repeats, then pairings overlapping a stored or an earlier one of the call with the same two parties
    and programme (as `pairing_save` refuses them)."""
    helpers = {p.helper_id for p in pairings}
    periods: dict[tuple, list] = {}
    for chunk in chunked(sorted(helpers), CHUNK):
        for programme, helper, helped, start, end, pk in Pairing.objects.filter(helper_id__in=chunk).values_list(
                "programme_id", "helper_id", "helped_id", "start_date", "end_date", "pk"):
            periods.setdefault((programme, helper, helped), []).append((start, end, pk))
    stored = {(*key, start) for key, rows in periods.items() for start, _end, _pk in rows}
    found = duplicates_within(pairings, _pairing_key, ValidationFailed(PAIRING_TAKEN, field="start_date"), stored)
    refused = {item.index for item in found}
    for index, pairing in enumerate(pairings):
        if index in refused or not _passes(pairing_rules, pairing):  # reported once, as the single path does
            continue
        key = (pairing.programme_id, pairing.helper_id, pairing.helped_id)
        clash = next((row for row in periods.get(key, ())
                      if periods_overlap(pairing.start_date, pairing.end_date, row[0], row[1])), None)
        if clash is not None:
            found.append(problem(index, overlap_refusal(pairing, *clash)))
        else:
            periods.setdefault(key, []).append((pairing.start_date, pairing.end_date, None))
    return sorted(found, key=lambda item: item.index)


def pairings_bulk_create(*, actor, records, dry_run: bool = False) -> list[Pairing]:
    """New pairings as `pairing_save` creates them; the actor may change either end's area."""
    return records_bulk_create(actor=actor, records=records, event=PAIRINGS_BULK, dry_run=dry_run,
                               # The helped area first: the audit event lies there, as the single service's.
                               permitted_in=lambda p: [p.helped.area_id, p.helper.area_id],
                               rules=pairing_rules, set_rules=_pairing_set_rules,
                               related=("programme", "helper", "helped"))


def _record_places(record) -> list[str]:
    # record_save's `_require_either`: the record's area or its pairing's helper's.
    return [record.area_id, record.pairing.helper.area_id] if record.pairing_id else [record.area_id]


def _records_bulk_create(event: str, *, actor, records, dry_run: bool, **checks) -> list:
    records = list(records)
    # As record_save: the rows are recorded by whoever writes them, never credited to someone else.
    for record in records:
        record.recorded_by = actor
    return records_bulk_create(actor=actor, records=records, event=event, dry_run=dry_run,
                               permitted_in=_record_places, related=("pairing__helper", "pairing__helped__area"),
                               **checks)


def talent_bulk_create(*, actor, records, dry_run: bool = False) -> list[TalentExchange]:
    """New talent exchanges as `record_save(kind="talent")` creates them."""
    return _records_bulk_create(TALENT_BULK, actor=actor, records=records, dry_run=dry_run,
                                rules=partial(record_rules, "talent"))


def _labour_rules(transfers) -> list:
    """`record_rules` for labour transfers, with the members' home villages read in one query per chunk (two
    columns: a demo writes hundreds of thousands of transfers, too many to hold a member object each)."""
    problems = []
    for start, chunk in ((k * CHUNK, c) for k, c in enumerate(chunked(transfers, CHUNK))):
        homes = dict(Member.objects.filter(id__in={t.member_id for t in chunk}).order_by().values_list(
            "id", "household__area_id"))
        for index, transfer in enumerate(chunk, start):
            try:
                # "": a member that does not exist has no home village, so the record lies outside it.
                record_rules("labour", transfer, home_village=homes.get(transfer.member_id, ""))
            except ValidationFailed as error:
                problems.append(problem(index, error))
    return problems


def labour_bulk_create(*, actor, records, dry_run: bool = False) -> list[LabourTransfer]:
    """New labour transfers as `record_save(kind="labour")` creates them."""
    return _records_bulk_create(LABOUR_BULK, actor=actor, records=records, dry_run=dry_run,
                                set_rules=_labour_rules)
