"""A created household's and member's change row `after` is encoded where they are cleaned (an import's worker
process) and only completed with the new ids where they are written (issue 22, the audited import's speed), as a
compact row: the JSON array `change_text` makes of the values in the column order the covering event names, so
that verification hashes it like any row and every reader (`change_values`, `AuditRecordChange.values`, the DCI
notifications) gets the same values by name as from the keyed object it replaces."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from fupin.audit.changes import change_text, change_values
from fupin.audit.models import AuditRecordChange
from fupin.audit.verification import verify_chain
from fupin.registry.bulk import (
    HOUSEHOLD_CHANGE_COLUMNS,
    MEMBER_CHANGE_COLUMNS,
    Submission,
    clean_submission,
    household_audit_text,
    households_bulk_register,
    member_after,
    member_audit_text,
    registration_records,
)
from fupin.registry.consistency import province_policy
from fupin.registry.models import Household, HouseholdYear, Member
from fupin.registry.services import HOUSEHOLD_FIELDS, MEMBER_FIELDS, MEMBER_ROW
from fupin.testing.factories import (
    household_data,
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    system_user,
)

V1 = "533301102201"


def test_a_members_text_is_the_dicts_text_with_its_household_first():
    row = tuple({"name_simplified": "张三", "name_pinyin": "zhangsan", "name_initials": "zs", "joined_on": None,
                 "is_active": True, "name": "張三", "birth_date": datetime.date(1972, 8, 5),
                 "work_months": Decimal("3.5"), "id_number": "53332119720805342X", "sex": "1",
                 "work_location": 'a "quoted", comma'}.get(name) for name in MEMBER_ROW)
    expected = ('[17,null,true,"張三",null,"53332119720805342X",null,"1","1972-08-05",null,null,null,null,null,'
                'null,"a \\"quoted\\", comma","3.5",null,null,null,null,null,null,null]')
    assert member_after(17, member_audit_text(row)) == expected
    assert expected == change_text([17, *row[3:]])
    keyed = {"household": 17, **dict(zip(MEMBER_ROW[3:], row[3:], strict=True))}
    assert change_values(expected, MEMBER_CHANGE_COLUMNS) == json.loads(change_text(keyed))
    assert change_values(expected, MEMBER_CHANGE_COLUMNS)["work_location"] == 'a "quoted", comma'
    assert len(expected) < len(change_text(keyed)) / 2


def test_a_households_text_is_the_dicts_text():
    household = {"number": "H1", **dict.fromkeys(HOUSEHOLD_FIELDS), "status": "1", "identified_year": 2014}
    records = [(2019, {"wage_income": Decimal("8000.00"), "size_end": 2}), (2020, {"wage_income": None})]
    text = household_audit_text(V1, household, records)
    assert change_values(text, HOUSEHOLD_CHANGE_COLUMNS) == json.loads(change_text(
        {"number": "H1", "area": V1, **{name: household[name] for name in HOUSEHOLD_FIELDS},
         "years": {"2019": {"wage_income": "8000.00", "size_end": 2}, "2020": {"wage_income": None}}}))


def test_a_compact_row_needs_its_columns():
    assert change_values('{"a":1}') == {"a": 1}
    assert change_values(None, MEMBER_CHANGE_COLUMNS) is None
    for columns in (None, ["a"]):
        with pytest.raises(ValueError):
            change_values("[1,2]", columns)


@pytest.mark.django_db
def test_cleaning_encodes_what_the_write_would_have_encoded():
    load_fixture_divisions()
    sub = Submission(area_code=V1, household=household_data("H0001"),
                     members=[member_data(name="李四", id_number=id_number(sequence="001")),
                              member_data(name="李小", id_number=id_number(sequence="002"), relation="之子")],
                     year=2019, year_data={"wage_income": "5000", "size_end": 2},
                     history=((2018, {"wage_income": "3000", "size_end": 2}),))
    cleaned = clean_submission(sub, datetime.date(2026, 12, 6), province_policy("53"))
    assert not cleaned.problems
    records = registration_records(cleaned.household, 2, cleaned.history, cleaned.year, 2019)
    assert [year for year, _values in records] == [2018, 2019]
    assert cleaned.household_text == household_audit_text(V1, cleaned.household, records)
    assert cleaned.audited == [change_text(list(m[3:])) for m in cleaned.members]


@pytest.mark.django_db
def test_the_stored_rows_are_the_records_values_as_change_text_gives_them(settings, tmp_path):
    load_fixture_divisions()
    settings.FUPIN_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.FUPIN_AUDIT_CHECKPOINT_EVERY = 0
    subs = [Submission(area_code=V1, household=household_data(f"H{n:04d}"),
                       members=[member_data(name=f"户主{n}", id_number=id_number(sequence=f"{n:03d}"))],
                       year=2019, year_data={"wage_income": "5000", "size_end": 1}, tag=n) for n in (1, 2)]
    result = households_bulk_register(actor=system_user(), submissions=subs, today=datetime.date(2026, 12, 6))
    assert (result.households, result.members) == (2, 2)
    rows = {(c.object_type, c.object_id): c for c in AuditRecordChange.objects.select_related("change_set__event")}
    event = rows[("registry.member", str(Member.objects.first().pk))].change_set.event
    assert event.after["changes"]["columns"] == {"registry.member": list(MEMBER_CHANGE_COLUMNS),
                                                 "registry.household": list(HOUSEHOLD_CHANGE_COLUMNS)}
    stored = {key: row.values()[1] for key, row in rows.items()}
    assert all(row.values()[0] is None and row.after.startswith("[") for row in rows.values())
    for household in Household.objects.all():
        after = stored[("registry.household", str(household.pk))]
        assert (after["number"], after["area"], after["status"], set(after["years"])) == (
            household.number, V1, household.status, {"2019"})
        year = HouseholdYear.objects.get(household=household, year=2019)
        assert (after["years"]["2019"]["wage_income"], after["years"]["2019"]["size_end"]) == (
            "5000.00", year.size_end) == (str(year.wage_income), 1)
    for member in Member.objects.all():
        expected = change_text({"household": member.household_id, "joined_on": member.joined_on,
                                "is_active": member.is_active,
                                **{name: getattr(member, name) for name in MEMBER_FIELDS}})
        assert stored[("registry.member", str(member.pk))] == json.loads(expected)
    report = verify_chain()
    assert (report.intact, report.changes) == (True, 4)


@pytest.mark.django_db
def test_the_admin_shows_a_compact_rows_values_by_name(client, settings, tmp_path):
    load_fixture_divisions()
    settings.FUPIN_AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    settings.FUPIN_AUDIT_CHECKPOINT_EVERY = 0
    sub = Submission(area_code=V1, household=household_data("H0001"),
                     members=[member_data(name="李四", id_number=id_number(sequence="001"))],
                     year=2019, year_data={"wage_income": "5000", "size_end": 1})
    households_bulk_register(actor=system_user(), submissions=[sub], today=datetime.date(2026, 12, 6))
    member = Member.objects.get()
    row = AuditRecordChange.objects.get(object_type="registry.member", object_id=str(member.pk))
    assert row.after.startswith(f"[{member.household_id},")  # stored compact
    client.force_login(make_user(username="boss", actions=["administer"], area=None, is_staff=True,
                                 is_superuser=True))
    page = client.get(reverse("admin:audit_auditrecordchange_change", args=[row.pk])).content.decode()
    assert f"&quot;household&quot;: {member.household_id}," in page
    assert "&quot;name&quot;: &quot;李四&quot;" in page
