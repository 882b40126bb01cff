"""Many new personnel records in one call (the demo's teams, cadres, memberships, contacts and trainees): the rules
of the app's single services for a new record, the rules that read other rows done in sets — one query per chunk
of records against stored rows, and the same check among the records of the call in their order, as if they
had been saved one after another. Like the single service, a record is refused for its first problem only, and a
refused record keeps no later one out (it would not have been saved)."""

from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Prefetch, Q

from fupin.areas.models import Area
from fupin.core.errors import ValidationFailed
from fupin.core.sql import chunked
from fupin.records.batches import CHUNK, duplicates_within, problem, records_bulk_create

from . import codelists as cl
from .models import Cadre, ContactLeader, TeamMembership, Trainee, TrainingProgramme, WorkTeam
from .services import (
    CADRES_BULK,
    CONTACTS_BULK,
    MEMBERSHIPS_BULK,
    PROGRAMMES_BULK,
    TEAMS_BULK,
    TRAINEES_BULK,
    cadre_given,
    cadre_rules,
    cadre_taken,
    contact_clash,
    contact_given,
    contact_rules,
    enrolled_error,
    holder_error,
    membership_end,
    membership_given,
    membership_rules,
    poor_error,
    poor_members,
    programme_given,
    programme_rules,
    serving_clash,
    serving_error,
    team_clash,
    team_given,
    team_rules,
    terms_overlap,
    trainee_given,
    trainee_rules,
)

# What the rules read of the related rows: an area's level, a cadre's name and ID number, a programme's area.
AREA_LEVEL = Area.objects.only("code", "level")
CADRE_PERSON = Cadre.objects.only("id", "name", "id_number")


def _create(*, records, rules, set_rules=None, **options) -> list:
    """`records_bulk_create` where `set_rules(records, passed)` checks only the records `passed` by `rules`."""
    refused = set()  # id() of the records the rules refused

    def checked(record) -> None:
        try:
            rules(record)
        except ValidationFailed:
            refused.add(id(record))
            raise

    def passed(record) -> bool:
        return id(record) not in refused

    return records_bulk_create(records=records, rules=checked,
                               set_rules=set_rules and (lambda records: set_rules(records, passed)), **options)


def _locking_villages(chunks, create) -> list:
    """Run `create` in a transaction holding the villages' rows (one query per chunk of codes, or of a subquery
    giving them; in code order so two calls cannot deadlock), as the single services lock the village: no team
    or membership entered meanwhile can slip past the overlap checks. SQLite has no row locks (a writer locks the
    whole database), so there the queries are left out."""
    with transaction.atomic():
        if connection.features.has_select_for_update:
            for chunk in chunks:
                list(Area.objects.select_for_update().filter(pk__in=chunk).order_by("code").values_list("pk"))
        return create()


def _poor_numbers(numbers) -> set[str]:
    """The set form of `services.poor_person`: which of the ID numbers are of registered poor persons."""
    found = set()
    for chunk in chunked(sorted({n for n in numbers if n}), CHUNK):
        found.update(poor_members().filter(id_number__in=chunk).values_list("id_number", flat=True))
    return found


def _earliest(terms):
    """The term starting first (the single services name the first clash they find in date order)."""
    return min(terms, key=lambda term: term[0])


# Cadres ---------------------------------------------------------------------------------------------------------
def cadres_bulk_create(*, actor, records, dry_run: bool = False) -> list[Cadre]:
    """New cadres by the rules of `cadre_save`: ID numbers unique among stored cadres and in the call, none of a
    registered poor person."""

    def set_rules(cadres, passed) -> list:
        numbers = sorted({cadre.id_number for cadre in cadres if passed(cadre)})
        taken = set()
        for chunk in chunked(numbers, CHUNK):
            taken.update(Cadre.objects.filter(id_number__in=chunk).values_list("id_number", flat=True))
        poor = _poor_numbers(numbers)
        # A refused record's key is its own id(): it repeats nothing.
        found = duplicates_within(cadres, lambda cadre: cadre.id_number if passed(cadre) else id(cadre),
                                  cadre_taken(), stored=taken)
        taken_at = {p.index for p in found}
        return found + [problem(index, poor_error(cadre)) for index, cadre in enumerate(cadres)
                        if passed(cadre) and cadre.id_number in poor and index not in taken_at]

    return _create(actor=actor, records=records, given=cadre_given, event=CADRES_BULK,
                   permitted_in=lambda cadre: [cadre.area_id], rules=cadre_rules, set_rules=set_rules,
                   dry_run=dry_run)


# Work teams -----------------------------------------------------------------------------------------------------
def teams_bulk_create(*, actor, records, dry_run: bool = False) -> list[WorkTeam]:
    """New work teams by the rules of `team_save`: one team serves a village at a time, against the stored teams
    of the villages and among the call's."""

    def set_rules(teams, passed) -> list:
        teams = [(index, team) for index, team in enumerate(teams) if passed(team)]
        terms = defaultdict(list)  # village → (start, end) of its teams, stored and then the call's
        for chunk in chunked(sorted({team.village_id for _index, team in teams}), CHUNK):
            for village, start, end in WorkTeam.objects.filter(village_id__in=chunk).values_list(
                    "village_id", "start_date", "end_date"):
                terms[village].append((start, end))
        found = []
        for index, team in teams:
            own = terms[team.village_id]
            clashes = [term for term in own if terms_overlap(team.start_date, team.end_date, *term)]
            if clashes:
                found.append(problem(index, team_clash(*_earliest(clashes))))
            else:
                own.append((team.start_date, team.end_date))
        return found

    records = list(records)
    villages = sorted({team.village_id for team in records if team.village_id})
    return _locking_villages(list(chunked(villages, CHUNK)), lambda: _create(
        actor=actor, records=records, given=team_given, event=TEAMS_BULK,
        permitted_in=lambda team: [team.village_id], rules=team_rules, set_rules=set_rules,
        related=[Prefetch("village", queryset=AREA_LEVEL)], dry_run=dry_run))


def memberships_bulk_create(*, actor, records, dry_run: bool = False) -> list[TeamMembership]:
    """New memberships by the rules of `membership_save`: no registered poor person, one holder of each
    single-holder role of a team at a time, a cadre in one team at a time (a first secretary may also captain the
    same team) — against stored memberships and among the call's."""

    def set_rules(memberships, passed) -> list:
        memberships = [(index, m) for index, m in enumerate(memberships) if passed(m)]
        holders = defaultdict(list)  # (team, role) → (start, end, cadre's name)
        serving = defaultdict(list)  # cadre → (team, role, first day, last day)
        for chunk in chunked(sorted({m.team_id for _index, m in memberships}), CHUNK):
            for team, role, start, end, name in TeamMembership.objects.filter(
                    team_id__in=chunk, role__in=cl.SINGLE_HOLDER_ROLES).order_by("start_date", "id").values_list(
                    "team_id", "role", "start_date", "end_date", "cadre__name"):
                holders[team, role].append((start, end, name))
        for chunk in chunked(sorted({m.cadre_id for _index, m in memberships}), CHUNK):
            for cadre, team, role, start, end, team_end in TeamMembership.objects.filter(
                    cadre_id__in=chunk).values_list("cadre_id", "team_id", "role", "start_date", "end_date",
                                                     "team__end_date"):
                serving[cadre].append((team, role, start, end or team_end))
        poor = _poor_numbers(m.cadre.id_number for _index, m in memberships)
        found = []
        for index, membership in memberships:  # in the single service's order of checks
            if membership.cadre.id_number in poor:
                found.append(problem(index, poor_error(membership.cadre)))
                continue
            last_day = membership_end(membership)
            same = holders[membership.team_id, membership.role] if membership.role in cl.SINGLE_HOLDER_ROLES else []
            clashes = [term for term in same if terms_overlap(membership.start_date, last_day, *term[:2])]
            if clashes:
                found.append(problem(index, holder_error(_earliest(clashes)[2], membership.role)))
                continue
            others = serving[membership.cadre_id]
            if any(serving_clash(membership, last_day, *other) for other in others):
                found.append(problem(index, serving_error(membership.cadre)))
                continue
            same.append((membership.start_date, membership.end_date, membership.cadre.name))
            others.append((membership.team_id, membership.role, membership.start_date, last_day))
        return found

    records = list(records)
    teams = sorted({m.team_id for m in records if m.team_id})
    return _locking_villages([WorkTeam.objects.filter(pk__in=chunk).values("village_id")
                              for chunk in chunked(teams, CHUNK)], lambda: _create(
        actor=actor, records=records, given=membership_given, event=MEMBERSHIPS_BULK,
        permitted_in=lambda membership: [membership.team.village_id], rules=membership_rules,
        set_rules=set_rules, related=["team", Prefetch("cadre", queryset=CADRE_PERSON)], dry_run=dry_run))


# Contact leaders ------------------------------------------------------------------------------------------------
def contacts_bulk_create(*, actor, records, dry_run: bool = False) -> list[ContactLeader]:
    """New contact areas by the rules of `contact_save`: no registered poor person, no term overlapping another
    of the same leader and area (stored or in the call)."""

    def set_rules(contacts, passed) -> list:
        contacts = [(index, c) for index, c in enumerate(contacts) if passed(c)]
        terms = defaultdict(list)  # (cadre, area) → (start, end)
        for chunk in chunked(sorted({c.cadre_id for _index, c in contacts}), CHUNK):
            for cadre, area, start, end in ContactLeader.objects.filter(cadre_id__in=chunk).values_list(
                    "cadre_id", "area_id", "start_date", "end_date"):
                terms[cadre, area].append((start, end))
        poor = _poor_numbers(c.cadre.id_number for _index, c in contacts)
        found = []
        for index, contact in contacts:
            same = terms[contact.cadre_id, contact.area_id]
            if contact.cadre.id_number in poor:
                found.append(problem(index, poor_error(contact.cadre)))
            elif any(terms_overlap(contact.start_date, contact.end_date, *term) for term in same):
                found.append(problem(index, contact_clash()))
            else:
                same.append((contact.start_date, contact.end_date))
        return found

    return _create(actor=actor, records=records, given=contact_given, event=CONTACTS_BULK,
                   permitted_in=lambda contact: [contact.area_id], rules=contact_rules, set_rules=set_rules,
                   related=[Prefetch("area", queryset=AREA_LEVEL), Prefetch("cadre", queryset=CADRE_PERSON)],
                   dry_run=dry_run)


# Training -------------------------------------------------------------------------------------------------------
def programmes_bulk_create(*, actor, records, dry_run: bool = False) -> list[TrainingProgramme]:
    """New training programmes by the rules of `programme_save` (they read no other row)."""
    return _create(actor=actor, records=records, given=programme_given, event=PROGRAMMES_BULK,
                   permitted_in=lambda programme: [programme.area_id], rules=programme_rules, dry_run=dry_run)


def trainees_bulk_create(*, actor, records, dry_run: bool = False) -> list[Trainee]:
    """New trainees by the rules of `trainee_save`: a person is enrolled once in a programme, counting stored
    trainees and the call's."""

    def set_rules(trainees, passed) -> list:
        stored = set()
        for chunk in chunked([t for t in trainees if passed(t)], CHUNK):
            stored.update(Trainee.objects.filter(
                Q(member_id__in={t.member_id for t in chunk if t.member_id is not None})
                | Q(cadre_id__in={t.cadre_id for t in chunk if t.cadre_id is not None}),
                programme_id__in={t.programme_id for t in chunk}).values_list("programme_id", "member_id",
                                                                               "cadre_id"))
        # A refused record's key is its own id(): it repeats nothing.
        return duplicates_within(trainees, lambda t: (t.programme_id, t.member_id, t.cadre_id) if passed(t)
                                 else id(t), enrolled_error(), stored=stored)

    return _create(actor=actor, records=records, given=trainee_given, event=TRAINEES_BULK,
                   permitted_in=lambda trainee: [trainee.programme.area_id], rules=trainee_rules,
                   set_rules=set_rules, related=[Prefetch("programme", queryset=TrainingProgramme.objects.only(
                       "id", "area_id"))], dry_run=dry_run)
