"""The registry's bulk path, used by imports and the demo: the same cleaning as a form, then per batch a
set-based check of ID numbers and household numbers (against the registry and the rest of the file) and inserts
and updates on the database's fast path.

Existing households (same household number in the same county) are refused, or with `update_existing` brought
in line with the submission: household fields, members matched by ID number (new ones added; none removed —
leaving is a dated event), the year's record; a changed status is recorded as a transition. A `dry_run` checks
and counts everything and writes nothing, so an import can validate a whole file before it writes any of it.
"""

import contextlib
import datetime
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.choices import Action
from fupin.accounts.scoping import Reach, reach
from fupin.areas.models import Area
from fupin.audit.changes import RecordChanges, change_text
from fupin.core.areacodes import Level
from fupin.core.changes import mark_changed
from fupin.core.sql import (
    KeySet,
    any_of,
    chunked,
    constraints_checked_at_once,
    insert_rows,
    reserve_ids,
    row_for_each,
    update_rows,
    without_jit,
)
from fupin.records.batches import area_covering

from .changes import mark_households
from .consistency import check_submission, province_policy
from .masking import mask_id_number
from .models import Household, HouseholdYear, Member, StatusTransition
from .names import name_keys
from .services import (
    HOUSEHOLD_FIELDS,
    HOUSEHOLDS_BULK,
    MEMBER_FIELDS,
    MEMBER_ROW,
    REGISTERED_OUTSIDE,
    flag_possible_duplicates,
    member_row,
    year_values,
)
from .validation import Problem, RegistryInvalid, check_income, clean_year

IMPORT_REASON = "批量导入"
WARNINGS_KEPT = 10000
_ID_NUMBER, _BIRTH_DATE = MEMBER_ROW.index("id_number"), MEMBER_ROW.index("birth_date")
HOUSEHOLD_ROW = ("number", *HOUSEHOLD_FIELDS)
_household_row = operator.itemgetter(*HOUSEHOLD_ROW)
TRANSITION_ROW = ("household_id", "from_status", "to_status", "effective_date", "year", "reason", "actor_id")
# What a created member's change row gives of its (household id, *MEMBER_ROW) tuple: the household and what was
# given and decided, not the name keys derived from the name. Created members and households are many: their
# change rows are compact (a JSON array in this column order, which the covering event names: about a third of
# the keyed object's bytes to encode, hash and write), and read by name with fupin.audit.changes.change_values.
MEMBER_CHANGE_COLUMNS = ("household", *MEMBER_ROW[3:])
HOUSEHOLD_CHANGE_COLUMNS = ("number", "area", *HOUSEHOLD_FIELDS, "years")
CREATED_COLUMNS = {"registry.member": MEMBER_CHANGE_COLUMNS, "registry.household": HOUSEHOLD_CHANGE_COLUMNS}
_MEMBER_TAIL = MEMBER_ROW[3:]
_TAIL_DATES = tuple(index for index, name in enumerate(_MEMBER_TAIL) if name in {"joined_on", "birth_date"})


@dataclass
class Submission:
    """One household as an import row group presents it; `tag` lets the caller map problems back to rows."""

    area_code: str
    household: dict
    members: list[dict]
    year: int | None = None
    year_data: dict | None = None
    tag: object = None
    # Earlier year records of a new household, as (year, data): a registry migrated with its history (each
    # record is checked like the year's own; a change of status between two records is kept as a transition at
    # the end of the later year). Only written when the household is created.
    history: tuple = ()
    # The submission as `clean_stream` left it (in an import's worker process): cleaned and checked against the
    # rest of its stream. The area, the grant and the checks against the registry are still the bulk path's.
    cleaned: "Cleaned | None" = None
    # Set by `leave_values`: the names the submission gave, as (household names, each member's names), its
    # values (`household`, `members`, `year_data`) having been left behind once cleaned.
    given: tuple[frozenset, list[frozenset]] | None = None
    # The stored member each member row is (its pk), as the import recognised it (member key, ID number, or name
    # and birth date: fupin.registry.importing.recognise_members); None for a new member. Empty: matched here.
    member_keys: tuple = ()

    def leave_values(self, shared: dict) -> None:
        """Keep of the given values only their names: once cleaned, what the checks and the writes use is in
        `cleaned`, and an import's worker sends a submission in half the time without them. `shared` makes equal
        sets of names one object, which is sent once."""
        def names(values: dict) -> frozenset:
            key = tuple(values)
            found = shared.get(key)
            if found is None:
                found = shared[key] = frozenset(key)
            return found

        self.given = (names(self.household), [names(member) for member in self.members])
        self.household, self.members, self.year_data = {}, [], None

    def names_given(self) -> tuple[frozenset, list[frozenset]]:
        """(household names, each member's names) given: what an update may change."""
        return self.given or (frozenset(self.household), [frozenset(member) for member in self.members])

    @property
    def member_count(self) -> int:
        return len(self.given[1]) if self.given else len(self.members)


@dataclass
class Cleaned:
    """A submission as the registry's rules leave it: what the checks against the registry and the writes use."""

    household: dict
    members: list[tuple]  # in MEMBER_ROW order
    year: dict | None  # the values given (None left out: they are most of a year's fields)
    history: list  # cleaned (year, data) of Submission.history
    problems: list[Problem]
    warnings: list[Problem]
    # Each member's compact change row `after` without its household (`member_audit_text`): encoded where they are
    # cleaned (an import's worker process), so the writing process only puts the new household's id in front.
    audited: list[str] = field(default_factory=list)
    household_text: str | None = None  # the household's change row `after` if it is created (`household_audit_text`)
    # The year records it is created with (`registration_records`), computed for that text: the writing process
    # stores them as they are instead of computing every year's incomes again.
    records: list[tuple[int, dict]] | None = None


def member_audit_text(member: tuple) -> str:
    """The compact change row of a created member without its household, from its MEMBER_ROW tuple: the JSON array
    `'[joined_on,…]'` of MEMBER_CHANGE_COLUMNS after the household; `member_after` puts the household's id first."""
    values = list(member[3:])
    for index in _TAIL_DATES:  # as the encoder writes a date, without calling back into Python for it
        if values[index].__class__ is datetime.date:
            values[index] = values[index].isoformat()
    return change_text(values)


def household_audit_text(area_code: str, household: dict, records: list[tuple[int, dict]]) -> str:
    """The compact change row `after` of a created household, in HOUSEHOLD_CHANGE_COLUMNS order: its number,
    village, fields and the year records it is registered with (`registration_records`) by year."""
    return change_text([household["number"], area_code, *[household[name] for name in HOUSEHOLD_FIELDS],
                        {str(year): values for year, values in records}])


def registration_records(household: dict, size: int, history: list, year_data: dict | None,
                         year: int | None) -> list[tuple[int, dict]]:
    """The year records a new household is registered with, as (year, stored values), oldest first: its history
    and the submission's year."""
    records = [(past, year_values(data, size, household["status"])) for past, data in history]
    if year_data is not None:
        records.append((year, year_values(year_data, size, household["status"])))
    records.sort(key=lambda record: record[0])
    return records


def member_after(household_id: int, text: str) -> str:
    """A created member's compact change row `after` (MEMBER_CHANGE_COLUMNS), from `member_audit_text`: the same
    text as `change_text([household_id, …])`."""
    return f"[{household_id:d},{text[1:]}" if len(text) > 2 else f"[{household_id:d}]"


def clean_submission(sub: Submission, today: datetime.date, policy: tuple[bool, list[str]]) -> Cleaned:
    """What the registry's rules say of one submission without reading the database (the province's `policy`
    is given): cleaned fields, hard problems, consistency warnings. Runs in an import's worker process."""
    clean_h, clean_ms, clean_y, problems, warnings = check_submission(
        sub.area_code, sub.household, sub.members, sub.year_data, today, policy)
    history = []
    for year, data in sub.history:
        cleaned, found = clean_year(data)
        problems += found or check_income(cleaned, cleaned.get("size_end") or len(clean_ms))
        history.append((year, _given_values(cleaned)))
    if problems:
        return Cleaned(clean_h, [], _given_values(clean_y), history, problems, warnings)
    members, year_data = [member_row(m) for m in clean_ms], _given_values(clean_y)
    # The change rows' values of a household that will be created, encoded here: in an import this runs in the
    # worker process, beside the writing one. (Not used if the household turns out to exist: its update is
    # compared with what is stored.)
    records = registration_records(clean_h, len(members), history, year_data, sub.year)
    return Cleaned(clean_h, members, year_data, history, problems, warnings,
                   [member_audit_text(m) for m in members], household_audit_text(sub.area_code, clean_h, records),
                   records)


def clean_stream(submissions: Iterable[Submission], today: datetime.date,
                 policy_of: Callable[[str], tuple[bool, list[str]] | None], keys_in_memory: int,
                 chunk: int = 5000) -> Iterator[Submission]:
    """Each submission cleaned (`clean_submission`, where `policy_of` knows its province: otherwise no village has
    its code, which the bulk path reports) and checked against the valid households before it in the stream: an ID
    number, or a household number within its county, met again is a problem of the later household. What is
    remembered of the stream stays in bounded memory (KeySet). Submissions arriving cleaned pass as they are: an
    earlier `clean_stream` (an import's worker) saw them. Reads no database unless `policy_of` does."""
    ids, numbers = KeySet(keys_in_memory), KeySet(keys_in_memory)
    with contextlib.closing(ids), contextlib.closing(numbers):
        for batch in chunked(submissions, chunk):
            fresh = [sub for sub in batch if sub.cleaned is None]
            for sub in fresh:
                if (policy := policy_of(sub.area_code[:2])) is not None:
                    sub.cleaned = clean_submission(sub, today, policy)
            _check_repeats([sub for sub in fresh if sub.cleaned is not None and not sub.cleaned.problems],
                           ids, numbers)
            yield from batch


def _check_repeats(subs: list[Submission], ids: KeySet, numbers: KeySet) -> None:
    keys = [sub.area_code[:6] + sub.cleaned.household["number"] for sub in subs]  # county codes have six digits
    seen_numbers = numbers.seen(keys)
    seen_ids = ids.seen({m[_ID_NUMBER] for sub in subs for m in sub.cleaned.members if m[_ID_NUMBER]})
    kept_numbers, kept_ids = [], []
    for sub, key in zip(subs, keys, strict=True):
        cleaned, problems = sub.cleaned, []
        if key in seen_numbers:
            problems.append(Problem("number", _("Household number %(number)s appears twice in this file."),
                                    {"number": cleaned.household["number"]}))
        for index, member in enumerate(cleaned.members):
            if member[_ID_NUMBER] and member[_ID_NUMBER] in seen_ids:
                problems.append(Problem("id_number", _("The same ID number appears in another household of "
                                                       "this file."), {}, index))
        if problems:
            cleaned.problems, cleaned.warnings = problems, []
            continue
        members = [m[_ID_NUMBER] for m in cleaned.members if m[_ID_NUMBER]]
        seen_numbers.add(key)
        seen_ids.update(members)
        kept_numbers.append(key)
        kept_ids += members
    numbers.add(kept_numbers)
    ids.add(kept_ids)


def _given_values(year: dict | None) -> dict | None:
    return None if year is None else {name: value for name, value in year.items() if value is not None}


@dataclass
class BulkResult:
    households: int = 0  # created
    members: int = 0  # created
    households_updated: int = 0
    members_updated: int = 0
    unchanged: int = 0
    possible_duplicates: int = 0
    rejected: list[tuple[object, list[Problem]]] = field(default_factory=list)
    warnings: list[tuple[object, list[Problem]]] = field(default_factory=list)  # the first WARNINGS_KEPT
    warned: int = 0  # households with consistency warnings

    def warn(self, tag, problems: list[Problem]) -> None:
        self.warned += 1
        if len(self.warnings) < WARNINGS_KEPT:  # memory stays flat on a file of millions of rows
            self.warnings.append((tag, problems))


@dataclass
class _Run:
    """What a whole run remembers across batches: grants and province policies."""

    granted: Reach
    policies: dict[str, tuple[bool, list[str]]] = field(default_factory=dict)

    def policy(self, province: str) -> tuple[bool, list[str]]:
        if province not in self.policies:
            self.policies[province] = province_policy(province)
        return self.policies[province]


class _Village(NamedTuple):  # what the bulk path reads of a village (a model instance each cost more)
    code: str
    name: str


@dataclass
class _Item:
    sub: Submission
    area: _Village
    household: dict
    members: list[tuple]  # in MEMBER_ROW order
    year: dict | None
    history: list = field(default_factory=list)  # cleaned (year, data) of Submission.history
    existing: int | None = None  # pk of the household being updated
    audited: list[str] = field(default_factory=list)  # Cleaned.audited
    household_text: str | None = None  # Cleaned.household_text
    records: list[tuple[int, dict]] | None = None  # Cleaned.records


def households_bulk_register(*, actor, submissions: Iterable[Submission], batch_size: int = 2000,
                             skip_invalid: bool = False, update_existing: bool = False, dry_run: bool = False,
                             today: datetime.date | None = None,
                             on_progress: Callable[[int], None] | None = None,
                             write_while: Callable[[BulkResult], bool] | None = None) -> BulkResult:
    """Register (or update) households in batches. Each batch is written in one transaction, so a failure leaves
    whole households only; callers wanting all-or-nothing over a file wrap the call in a transaction. Without
    `skip_invalid`, the first batch with a rejected household stops the run with RegistryInvalid. With
    `write_while`, batches are only checked (as in a dry run) once it returns False — an all-or-nothing import
    that will roll back keeps validating the rest of the file without writing it."""
    today = today or timezone.localdate()
    result = BulkResult()
    run = _Run(reach(actor, Action.IMPORT))
    # Every household and member written gets a change row (fupin.audit.changes), covered by one audit event per
    # unit that commits: inside the caller's transaction (an import, all or nothing) the whole run; otherwise
    # each batch, which commits alone.
    changes = RecordChanges()
    per_batch = not connection.in_atomic_block
    unit = _Unit(result)
    with without_jit():
        stream = clean_stream(submissions, today, run.policy, settings.FUPIN_KEYS_IN_MEMORY)
        for batch in chunked(stream, batch_size):
            items = _clean_batch(batch, run, result)
            items = _set_checks(items, result, update_existing, reach(actor, Action.VIEW))
            if result.rejected and not skip_invalid:
                raise RegistryInvalid([p for _tag, problems in result.rejected for p in problems])
            checking_only = dry_run or (write_while is not None and not write_while(result))
            with transaction.atomic(), constraints_checked_at_once():
                _create(actor, [i for i in items if i.existing is None], today, result, checking_only, changes)
                _update(actor, [i for i in items if i.existing is not None], today, result, checking_only, changes)
                if not checking_only:
                    unit.areas.update(item.area.code for item in items)
                if per_batch and changes.change_set_id is not None:
                    unit.record(actor, changes, result)
            if on_progress:
                on_progress(sum(sub.member_count for sub in batch))
    if not per_batch and not dry_run and (result.households or result.households_updated):
        unit.record(actor, changes, result)
    return result


class _Unit:
    """The counts and areas of the writes one audit event covers (a batch, or the whole run)."""

    def __init__(self, result: BulkResult):
        self.start = self._counts(result)
        self.areas: set[str] = set()

    @staticmethod
    def _counts(result: BulkResult) -> dict:
        return {"households": result.households, "members": result.members,
                "households_updated": result.households_updated, "members_updated": result.members_updated,
                "rejected": len(result.rejected)}

    def record(self, actor, changes: RecordChanges, result: BulkResult) -> None:
        now = self._counts(result)
        changes.record(actor=actor, action=HOUSEHOLDS_BULK, object_type="registry.household",
                       area_code=area_covering(self.areas),
                       after={name: now[name] - self.start[name] for name in now})
        self.start, self.areas = now, set()


def _clean_batch(batch: list[Submission], run: _Run, result: BulkResult) -> list[_Item]:
    villages = {}
    for chunk in chunked(sorted({sub.area_code for sub in batch}), 10000):
        villages.update((code, _Village(code, name)) for code, name in Area.objects.filter(
            any_of(Area, "code", chunk), level=Level.VILLAGE).values_list("code", "name"))
    items = []
    for sub in batch:
        problems = []
        area = villages.get(sub.area_code)
        if area is None:
            problems.append(Problem("area", _("No village has the code %(code)s."), {"code": sub.area_code}))
        elif not run.granted.covers(area.code):
            problems.append(Problem("area", _("%(name)s (%(code)s) is outside the areas granted to you."),
                                    {"name": area.name, "code": area.code}))
        else:
            cleaned = sub.cleaned
            problems += cleaned.problems
            if cleaned.warnings:
                result.warn(sub.tag, cleaned.warnings)
        if problems:
            result.rejected.append((sub.tag, problems))
        else:
            items.append(_Item(sub, area, cleaned.household, cleaned.members, cleaned.year, cleaned.history,
                               audited=cleaned.audited, household_text=cleaned.household_text,
                               records=cleaned.records))
    return items


def _set_checks(items: list[_Item], result: BulkResult, update_existing: bool,
                visible: Reach) -> list[_Item]:
    """Refuse, in sets, household numbers and ID numbers already registered elsewhere (repeats within the stream
    are `clean_stream`'s). The household holding an ID number is named only inside the areas the importer may
    see (where `visible` reaches): elsewhere the message confirms nothing about it."""
    keys = [(item.area.code[:6], item.household["number"]) for item in items]
    existing = _household_ids(keys)
    taken = _registered_ids({m[_ID_NUMBER] for i in items for m in i.members if m[_ID_NUMBER]})
    kept = []
    for item, key in zip(items, keys, strict=True):
        problems = []
        item.existing = existing.get(key)
        if item.existing is not None and not update_existing:
            problems.append(Problem("number", _("Household number %(number)s already exists in this county."),
                                    {"number": key[1]}))
        for index, member in enumerate(item.members):
            number = member[_ID_NUMBER]
            if number in taken and taken[number][0] != item.existing:
                holder_area = taken[number][2]
                if visible.covers(holder_area):
                    problems.append(Problem("id_number", _("ID number %(id)s is already registered in household "
                                                           "%(number)s."),
                                            {"id": mask_id_number(number), "number": taken[number][1]}, index))
                else:
                    problems.append(Problem("id_number", REGISTERED_OUTSIDE, {"id": mask_id_number(number)}, index))
        if problems:
            result.rejected.append((item.sub.tag, problems))
        else:
            kept.append(item)
    return kept


def _household_ids(keys: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The pk of each (county code, household number) already registered: one query per 10,000 keys, passed
    as one parameter (county code and number joined; county codes have six digits)."""
    table = connection.ops.quote_name(Household._meta.db_table)
    found = {}
    with connection.cursor() as cursor:
        for chunk in chunked([county + number for county, number in keys], 10000):
            cursor.execute(*row_for_each(chunk, "h.id", f"{table} h",
                                         "h.county_code = substr(k.value, 1, 6) AND h.number = substr(k.value, 7)"))
            found.update(((key[:6], key[6:]), pk) for key, pk in cursor.fetchall())
    return found


def _registered_ids(numbers: set[str]) -> dict[str, tuple[int, str, str]]:
    """Active members holding these ID numbers: ID number → (household pk, household number, village code)."""
    members = connection.ops.quote_name(Member._meta.db_table)
    households = connection.ops.quote_name(Household._meta.db_table)
    found = {}
    with connection.cursor() as cursor:
        for chunk in chunked(sorted(numbers), 10000):
            cursor.execute(*row_for_each(chunk, "m.household_id, h.number, h.area_id",
                                         f"{members} m JOIN {households} h ON h.id = m.household_id",
                                         "m.is_active AND m.id_number = k.value"))
            found.update((number, (household_id, household_number, area_code))
                         for number, household_id, household_number, area_code in cursor.fetchall())
    return found


def _create(actor, items: list[_Item], today, result: BulkResult, dry_run: bool, changes: RecordChanges) -> None:
    if not items:
        return
    if dry_run:
        result.households += len(items)
        result.members += sum(len(i.members) for i in items)
        return
    # With their ids taken first, households and their members, years and transitions are written without
    # looking the new households up.
    ids = reserve_ids(Household, len(items))
    insert_rows(Household, [(pk, i.area.code, i.area.code[:6], 1, *_household_row(i.household))
                            for pk, i in zip(ids, items, strict=True)],
                columns=("id", "area_id", "county_code", "version", *HOUSEHOLD_ROW), typed=True)
    members, years, transitions, registered = [], [], [], []
    actor_id = actor.pk if actor else None
    for pk, item in zip(ids, items, strict=True):
        household = item.household
        members.extend((pk, *member) for member in item.members)
        records = item.records
        if records is None:
            records = registration_records(household, len(item.members), item.history, item.year, item.sub.year)
        years.extend({"household_id": pk, "year": year, **values} for year, values in records)
        registered.append(records)
        # Registered in the first record's status; each later change of status at the end of its year.
        status = records[0][1]["status"] if item.history else household["status"]
        transitions.append((pk, "", status, today, today.year, "建档立卡登记", actor_id))
        for year, values in records[1:] if item.history else []:
            if values["status"] != status:
                transitions.append((pk, status, values["status"], datetime.date(year, 12, 31), year, "年度动态调整",
                                    actor_id))
                status = values["status"]
    member_ids = reserve_ids(Member, len(members))
    insert_rows(Member, ((member_id, *member) for member_id, member in zip(member_ids, members, strict=True)),
                columns=("id", "household_id", *MEMBER_ROW), typed=True)
    insert_rows(HouseholdYear, years, typed=True)
    insert_rows(StatusTransition, transitions, columns=TRANSITION_ROW, typed=True)
    changes.add(_created_changes(ids, items, registered, member_ids, members), columns=CREATED_COLUMNS)
    county_of = {pk: item.area.code[:6] for pk, item in zip(ids, items, strict=True)}
    mark_changed((county_of[row["household_id"]], row["year"]) for row in years)
    if any(m[1 + _ID_NUMBER] is None and m[1 + _BIRTH_DATE] is not None for m in members):
        # Only members without an ID number (and with a birth date) can be duplicates by name: skip the lookup
        # of newcomers, a probe per household, when the batch has none.
        result.possible_duplicates += flag_possible_duplicates(ids)
    result.households += len(items)
    result.members += len(members)


def _created_changes(ids, items: list[_Item], registered: list, member_ids: list[int], members: list[tuple]):
    """The change rows of created households (with the year records they were registered with; their
    registration transitions follow from those) and members."""
    village_of = {}
    for pk, item, records in zip(ids, items, registered, strict=True):
        village_of[pk] = code = item.area.code
        text = item.household_text
        if text is None or item.sub.area_code != code:
            text = household_audit_text(code, item.household, records)
        yield "registry.household", pk, code, None, text
    texts = itertools.chain.from_iterable(
        item.audited if len(item.audited) == len(item.members) else map(member_audit_text, item.members)
        for item in items)
    for member_id, member, text in zip(member_ids, members, texts, strict=True):
        yield "registry.member", member_id, village_of[member[0]], None, member_after(member[0], text)


def _update(actor, items: list[_Item], today, result: BulkResult, dry_run: bool, changes: RecordChanges) -> None:
    """Bring existing households in line with their submission; only what differs is written."""
    if not items:
        return
    pks = [i.existing for i in items]
    households = {h.pk: h for chunk in chunked(pks, 500) for h in Household.objects.filter(pk__in=chunk)}
    members: dict[int, list[Member]] = {}
    for chunk in chunked(pks, 500):
        for member in Member.objects.filter(household_id__in=chunk, is_active=True).order_by("id"):
            members.setdefault(member.household_id, []).append(member)
    years = {(y.household_id, y.year): y for chunk in chunked(pks, 500)
             for y in HouseholdYear.objects.filter(household_id__in=chunk, year__in={i.sub.year for i in items})}
    changed_households, changed_members, new_members, changed_years, new_years, transitions = [], [], [], [], [], []
    touched = []
    altered = []  # change rows of what existed: (object type, id, area, before, after), the differing fields only
    for item in items:
        household = households[item.existing]
        changed = False
        household_before, household_after = {}, {}
        # Only what the submission gives is compared: a column the file lacks leaves the stored value alone.
        household_given, members_given = item.sub.names_given()
        for name in HOUSEHOLD_FIELDS:
            if name in household_given and getattr(household, name) != item.household[name]:
                household_before[name], household_after[name] = getattr(household, name), item.household[name]
                if name == "status":
                    transitions.append(StatusTransition(
                        household=household, from_status=household.status, to_status=item.household[name],
                        effective_date=today, year=today.year, reason=IMPORT_REASON, actor=actor))
                setattr(household, name, item.household[name])
                changed = True
        by_id = {m.id_number: m for m in members.get(household.pk, []) if m.id_number}
        by_name = {(m.name, m.birth_date): m for m in members.get(household.pk, []) if not m.id_number}
        members_changed = added = 0
        by_pk = {m.pk: m for m in members.get(household.pk, [])} if item.sub.member_keys else {}
        for index, (given, row) in enumerate(zip(members_given, item.members, strict=True)):
            data = dict(zip(MEMBER_ROW, row, strict=True))
            if item.sub.member_keys:
                current = by_pk.get(item.sub.member_keys[index])
            else:
                current = by_id.get(data["id_number"]) if data["id_number"] else by_name.get((data["name"],
                                                                                               data["birth_date"]))
            if current is None:
                new_members.append((household.pk, *row))
                added += 1
                continue
            if "id_number" in given:
                given = given | {"birth_date", "id_kind", "disability_certificate"}
            differs = [name for name in MEMBER_FIELDS if name in given and getattr(current, name) != data.get(name)]
            if differs:
                altered.append(("registry.member", current.pk, household.area_id,
                                {name: getattr(current, name) for name in differs},
                                {name: data.get(name) for name in differs}))
                for name in differs:
                    setattr(current, name, data.get(name))
                current.name_simplified, current.name_pinyin, current.name_initials = name_keys(current.name)
                changed_members.append(current)
                members_changed += 1
        year_touched = False
        if item.year is not None:
            row = years.get((household.pk, item.sub.year))
            # A stored year is updated by what the file gives, its incomes computed from the whole record.
            values = year_values(item.year, len(item.members), household.status, stored=row)
            if row is None:
                new_years.append({"household_id": household.pk, "year": item.sub.year, **values})
                altered.append(("registry.householdyear", f"{household.pk}/{item.sub.year}", household.area_id,
                                None, values))
                year_touched = True
            elif any(getattr(row, name) != value for name, value in values.items()):
                differs = [name for name, value in values.items() if getattr(row, name) != value]
                altered.append(("registry.householdyear", f"{household.pk}/{item.sub.year}", household.area_id,
                                {name: getattr(row, name) for name in differs},
                                {name: values[name] for name in differs}))
                for name, value in values.items():
                    setattr(row, name, value)
                changed_years.append(row)
                year_touched = True
        if changed:
            household.version += 1
            changed_households.append(household)
            altered.append(("registry.household", household.pk, household.area_id, household_before,
                            household_after))
        if changed or members_changed or added or year_touched:
            result.households_updated += 1
            touched.append(household.pk)
        else:
            result.unchanged += 1
    result.members_updated += len(changed_members)
    result.members += len(new_members)
    if dry_run:
        return
    if changed_households:
        update_rows(Household, changed_households, [*HOUSEHOLD_FIELDS, "version"])
    if changed_members:
        update_rows(Member, changed_members, [*MEMBER_FIELDS, "name_simplified", "name_pinyin", "name_initials"])
    member_ids = reserve_ids(Member, len(new_members))
    insert_rows(Member, ((member_id, *member) for member_id, member in zip(member_ids, new_members, strict=True)),
                columns=("id", "household_id", *MEMBER_ROW), typed=True)
    if changed_years:
        update_rows(HouseholdYear, changed_years, [f.name for f in HouseholdYear._meta.concrete_fields
                                                   if f.name not in {"id", "household", "year", "created_at"}])
    insert_rows(HouseholdYear, new_years, typed=True)
    StatusTransition.objects.bulk_create(transitions, batch_size=1000)
    village_of = {item.existing: households[item.existing].area_id for item in items}
    added_rows = (("registry.member", member_id, village_of[member[0]], None,
                   member_after(member[0], member_audit_text(member[1:])))
                  for member_id, member in zip(member_ids, new_members, strict=True))
    if altered or new_members:
        # Changed records keep keyed rows of what differs; added members are compact rows, as created ones.
        changes.add(itertools.chain(altered, added_rows), columns={"registry.member": MEMBER_CHANGE_COLUMNS})
    mark_households(touched)
