"""Assistance records many at a time (the demo, batch loaders): `record_save(kind=…)` and `origin_action_record`
for new records, done in sets (see fupin.records.batches)."""

import datetime

from django.db.models import Prefetch

from fupin.cooperation.models import Party
from fupin.core.errors import ValidationFailed
from fupin.core.sql import chunked
from fupin.records.batches import CHUNK, RecordProblem, problem, records_bulk_create
from fupin.registry.models import Household, Member

from .models import MeasureType, OriginAction, OriginVillage, Plan
from .services import (
    DELIVERED_BULK,
    LOANS_BULK,
    ORIGIN_ACTIONS_BULK,
    ORIGIN_VILLAGES_BULK,
    RULES,
    origin_action_rules,
)

# Only what the areas and rules read: a household's village, a member's and a plan's household, a bank's kind.
# Records holding the objects already are not fetched again.
_HOUSEHOLD = Prefetch("household", queryset=Household.objects.only("id", "area_id"))
_MEMBER = Prefetch("member", queryset=Member.objects.only("id", "household_id", "school_status"))
_TYPE = Prefetch("measure_type", queryset=MeasureType.objects.only("code", "end_rule"))  # its default end rule
_LOAN = Prefetch("loan")  # the contract a measure's support follows
_PLAN = Prefetch("plan", queryset=Plan.objects.only("id", "household_id"))
_BANK = Prefetch("bank", queryset=Party.objects.only("id", "kind"))


def _kind_bulk_create(name: str, kind: str, event: str, related=()):
    """The bulk form of `record_save(kind=kind)` for new records: the kind's area and rules from RULES (none of
    which query the database once `related` is fetched)."""
    model, area_of, rules = RULES[kind]

    def create(*, actor, records, dry_run: bool = False) -> list:
        records = list(records)
        if hasattr(model, "recorded_by_id"):  # as record_save: a new record names who wrote it, no one else
            for record in records:
                record.recorded_by = actor
        return records_bulk_create(actor=actor, records=records, event=event,
                                   permitted_in=lambda record: [area_of(record)], rules=rules, related=related,
                                   dry_run=dry_run)

    create.__name__ = create.__qualname__ = name
    return create


delivered_bulk_create = _kind_bulk_create("delivered_bulk_create", "delivered", DELIVERED_BULK,
                                          (_HOUSEHOLD, _MEMBER, _PLAN, _TYPE, _LOAN))
loans_bulk_create = _kind_bulk_create("loans_bulk_create", "loan", LOANS_BULK, (_HOUSEHOLD, _BANK))
origin_villages_bulk_create = _kind_bulk_create("origin_villages_bulk_create", "origin", ORIGIN_VILLAGES_BULK)


def _steps_in_order(steps: list[OriginAction]) -> list[RecordProblem]:
    """origin_action_record's rules for each step against its village's stored steps and the steps before it in
    the call, so a call may carry every step of a village (in order)."""
    done: dict[int, dict[str, datetime.date]] = {}
    for chunk in chunked(sorted({step.village_id for step in steps}), CHUNK):
        for village, action, on in OriginAction.objects.filter(village_id__in=chunk).values_list(
                "village_id", "action", "on"):
            done.setdefault(village, {})[action] = on
    found = []
    for index, step in enumerate(steps):
        recorded = done.setdefault(step.village_id, {})
        try:
            origin_action_rules(step, recorded)
        except ValidationFailed as error:
            found.append(problem(index, error))
        else:
            recorded[step.action] = step.on
    return found


def origin_actions_bulk_create(*, actor, records, dry_run: bool = False) -> list[OriginAction]:
    return records_bulk_create(actor=actor, records=records, event=ORIGIN_ACTIONS_BULK,
                               permitted_in=lambda step: [step.village.area_id], set_rules=_steps_in_order,
                               related=(Prefetch("village", queryset=OriginVillage.objects.only("id", "area_id")),),
                               dry_run=dry_run)
