"""Bulk writes record each record they create or change (who, what, before/after) under the keyed chain: a change
row per record, covered by its write's audit event through a digest that `fupin audit verify` recomputes
(ADR 0014, "Bulk writes")."""

import json

import pytest
from django.db import connection

from fupin.areas.models import AreaYear
from fupin.audit.models import AuditChangeSet, AuditEvent, AuditRecordChange
from fupin.audit.verification import verify_chain
from fupin.core.files.tabular import csv_text
from fupin.records.batches import records_bulk_create
from fupin.registry.bulk import Submission, households_bulk_register
from fupin.registry.importing import households_import
from fupin.registry.models import Household, Member
from fupin.registry.tests.test_import import HEADER, V1, V2
from fupin.registry.tests.test_import import rows as import_rows
from fupin.registry.validation import RegistryInvalid
from fupin.testing.factories import (
    household_data,
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    system_user,
)

pytestmark = pytest.mark.django_db

BULK = "registry.households_bulk_registered"


@pytest.fixture(autouse=True)
def audit_settings(settings, tmp_path):
    load_fixture_divisions()
    settings.FUPIN_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.FUPIN_AUDIT_CHECKPOINT_EVERY = 0


def submission(n: int, area=V1, **member_overrides) -> Submission:
    member = {"name": f"户主{n}", "id_number": id_number(sequence=f"{n:03d}"), **member_overrides}
    return Submission(area_code=area, household=household_data(f"H{n:04d}"), members=[member_data(**member)],
                      year=2019, year_data={"wage_income": "5000", "size_end": 1}, tag=n)


def workbook(tmp_path, rows, name="h.csv"):
    path = tmp_path / name
    path.write_text(csv_text([HEADER, *rows]), encoding="utf-8")
    return path


def changes_of(object_type: str) -> dict[str, tuple]:
    """object id → (area, before, after) of the change rows of `object_type`, in the order written."""
    return {c.object_id: (c.area_code, *c.values())  # compact rows named by their covering event
            for c in AuditRecordChange.objects.filter(object_type=object_type).order_by("id")}


def problems() -> list[tuple[int, str]]:
    return [(p.seq, p.problem) for p in verify_chain().problems]


def test_every_household_and_member_of_an_import_has_its_change_row(tmp_path):
    clerk = make_user(username="clerk", actions=["view", "change", "import"], area="533301000000")
    report = households_import(actor=clerk, path=workbook(tmp_path, import_rows()))
    assert (report.households_created, report.members_created, report.written) == (2, 3, True)
    households, members = changes_of("registry.household"), changes_of("registry.member")
    assert set(households) == {str(pk) for pk in Household.objects.values_list("pk", flat=True)}
    assert set(members) == {str(pk) for pk in Member.objects.values_list("pk", flat=True)}
    h1 = Household.objects.get(number="H001")
    area, before, after = households[str(h1.pk)]
    assert (area, before) == (V1, None)  # created: nothing before
    assert (after["number"], after["area"], after["attribute"], after["status"]) == ("H001", V1, "01", "0")
    assert after["years"]["2019"]["wage_income"] == "8000.00"
    li = Member.objects.get(name="李四")
    area, before, after = members[str(li.pk)]
    assert (area, before, after["household"], after["name"], after["id_number"], after["sex"], after["birth_date"]) \
        == (V1, None, h1.pk, "李四", li.id_number, "2", "1982-03-04")
    # Who and when: the one event that covers the run's change rows.
    event = AuditEvent.objects.get(action=BULK)
    assert (event.actor_name, event.area_code) == ("clerk", "533301102000")
    assert event.after["changes"]["rows"] == AuditRecordChange.objects.count() == 5
    assert AuditChangeSet.objects.get(pk=event.after["changes"]["set"]).event == event
    report = verify_chain()
    assert (report.intact, report.changes) == (True, 5)


def test_an_update_shows_each_changed_field_before_and_after():
    households_bulk_register(actor=system_user(), submissions=[submission(1), submission(2), submission(3)])
    changed = [submission(1, name="户主一"), submission(2), submission(3)]
    changed[1].household["status"] = "已脱贫"
    changed[2].year_data = {"wage_income": "6000", "size_end": 2}
    changed[2].members.append(member_data(name="新成员", id_number=id_number(sequence="099"), relation="配偶"))
    result = households_bulk_register(actor=system_user(), submissions=changed, update_existing=True)
    assert (result.households_updated, result.members_updated, result.members) == (3, 1, 1)
    event = AuditEvent.objects.filter(action=BULK).order_by("seq").last()
    rows = AuditRecordChange.objects.filter(change_set_id=event.after["changes"]["set"])
    found = {(c.object_type, c.object_id): c.values() for c in rows}
    h1, h2, h3 = (Household.objects.get(number=f"H000{n}") for n in (1, 2, 3))
    member = Member.objects.get(household=h1)
    assert found[("registry.member", str(member.pk))] == ({"name": "户主1"}, {"name": "户主一"})
    assert found[("registry.household", str(h2.pk))] == ({"status": "0"}, {"status": "1"})
    before, after = found[("registry.householdyear", f"{h3.pk}/2019")]
    assert (before["wage_income"], after["wage_income"]) == ("5000.00", "6000.00")
    assert (before["size_end"], after["size_end"], after["net_income_per_capita"]) == (1, 2, "3000.00")
    newcomer = Member.objects.get(name="新成员")
    before, after = found[("registry.member", str(newcomer.pk))]
    assert (before, after["household"], after["relation"]) == (None, h3.pk, "02")  # 配偶
    assert len(found) == len(rows) == event.after["changes"]["rows"] == 4  # nothing unchanged is listed
    assert verify_chain().intact


def test_generic_bulk_records_have_a_change_row_each():
    editor = make_user(username="editor", actions=["view", "change"], area="533301000000")
    created = records_bulk_create(actor=editor, records=[AreaYear(area_id=v, year=2020, rural_population=900)
                                                         for v in (V1, V2)],
                                  event="test.bulk", permitted_in=lambda r: [r.area_id])
    found = changes_of("areas.areayear")
    assert {key: (area, before, after["rural_population"], after["area_id"]) for key, (area, before, after)
            in found.items()} == {str(created[0].pk): (V1, None, 900, V1), str(created[1].pk): (V2, None, 900, V2)}
    assert AuditEvent.objects.get(action="test.bulk").after["changes"]["rows"] == 2
    assert verify_chain().intact


@pytest.fixture
def imported(tmp_path):
    households_bulk_register(actor=system_user(), submissions=[submission(n) for n in range(1, 4)])
    event = AuditEvent.objects.get(action=BULK)
    assert problems() == []
    return event


CHANGED = "its changed records were edited after they were recorded"


def test_verify_catches_an_edited_change_row(imported):
    member = Member.objects.get(name="户主2")
    row = AuditRecordChange.objects.get(object_type="registry.member", object_id=str(member.pk))
    after = json.loads(row.after)  # a compact row (a JSON array)
    row.after = json.dumps([*after[:3], "别人", *after[4:]], ensure_ascii=False, separators=(",", ":"))
    row.save()
    assert problems() == [(imported.seq, CHANGED)]
    AuditRecordChange.objects.filter(pk=row.pk).update(after=json.dumps(after, ensure_ascii=False,
                                                                        separators=(",", ":")))
    assert problems() == []  # the stored text, exactly as hashed
    AuditRecordChange.objects.filter(pk=row.pk).update(area_code=V2)  # moved to another village
    assert problems() == [(imported.seq, CHANGED)]


def test_verify_catches_a_deleted_change_row(imported):
    AuditRecordChange.objects.filter(object_type="registry.member").order_by("id").first().delete()
    assert problems() == [(imported.seq, "covers 6 changed records, the trail holds 5: change rows were deleted "
                                         "or inserted")]


def test_verify_catches_an_inserted_change_row(imported):
    set_id = imported.after["changes"]["set"]
    AuditRecordChange.objects.create(change_set_id=set_id, object_type="registry.member", object_id="999",
                                     area_code=V1, after='{"name":"幽灵"}')
    assert problems() == [(imported.seq, "covers 6 changed records, the trail holds 7: change rows were deleted "
                                         "or inserted")]


def test_verify_catches_change_rows_no_event_covers(imported):
    forged = AuditChangeSet.objects.create()
    AuditRecordChange.objects.create(change_set=forged, object_type="registry.member", object_id="999",
                                     area_code=V1, after='{"name":"幽灵"}')
    assert problems() == [(0, f"change set {forged.pk} holds 1 changed records that no audit event covers: they "
                              "were inserted")]


def test_verify_catches_a_rewritten_digest(imported):
    # Rewriting the rows and the digest the event carries breaks the event's keyed hash.
    AuditRecordChange.objects.filter(object_type="registry.member").delete()
    AuditEvent.objects.filter(pk=imported.pk).update(after={**imported.after, "changes": {
        **imported.after["changes"], "rows": 3}})
    assert (imported.seq, "content was changed after it was recorded") in problems()


def test_a_rolled_back_import_leaves_no_change_rows(tmp_path, monkeypatch):
    bad = [*import_rows(), [V1, "H009", "2019", "坏行", "533301198001010011", "", "户主", "", "一般贫困户", "缺技术",
                            "2014", "未脱贫", "", "", "", ""]]
    report = households_import(actor=system_user(), path=workbook(tmp_path, bad))
    assert (report.written, report.rejected) == (False, 1)
    assert (Household.objects.count(), AuditRecordChange.objects.count(), AuditChangeSet.objects.count(),
            AuditEvent.objects.filter(action=BULK).count()) == (0, 0, 0, 0)
    with pytest.raises(RegistryInvalid):
        households_bulk_register(actor=system_user(), submissions=[submission(1), submission(3, sex="女")])
    assert (Household.objects.count(), AuditRecordChange.objects.count()) == (0, 0)
    dry = households_import(actor=system_user(), path=workbook(tmp_path, import_rows(), "ok.csv"), dry_run=True)
    assert (dry.written, AuditRecordChange.objects.count()) == (False, 0)


def test_the_rules_import_says_it_wrote(tmp_path):
    from fupin.rules import services
    from fupin.rules.models import PovertyLine

    path = tmp_path / "policy.csv"
    path.write_text(csv_text([["kind", "code", "year", "province_code", "value", "certainty", "source"],
                              ["poverty_line", "working", "2019", "53", "4100", "V", "测试"]]), encoding="utf-8")
    admin = make_user(actions=["administer"], area=None)
    report = services.policy_import(actor=admin, path=path)
    assert report.written and report.created == 1
    event = AuditEvent.objects.get(action="rules.policy_imported")
    assert (event.after["written"], event.after["created"], event.after["changes"]["rows"]) == (True, 1, 1)
    line = PovertyLine.objects.get(series="working", year=2019, province_code="53")
    change = AuditRecordChange.objects.get(object_type="rules.povertyline")
    assert (change.object_id, change.area_code, change.before) == (str(line.pk), "530000000000", None)
    assert verify_chain().intact


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_batches_that_commit_alone_each_have_their_event():
    load_fixture_divisions()
    households_bulk_register(actor=system_user(), submissions=[submission(n) for n in range(1, 6)], batch_size=2)
    events = list(AuditEvent.objects.filter(action=BULK).order_by("seq"))
    assert [(e.after["households"], e.after["changes"]["rows"]) for e in events] == [(2, 4), (2, 4), (1, 2)]
    assert not connection.in_atomic_block and verify_chain().intact
