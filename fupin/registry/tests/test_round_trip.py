"""The household export and import are each other's inverse: a whole county exported and imported again changes
nothing and creates no one — members without ID numbers, two years of records, incomes not entered, every flag —
in .xlsx and .csv, with headers in either script or English; masked numbers are never stored."""

import csv
import re
import zipfile

import pytest
from django.utils import translation
from python_calamine import CalamineWorkbook

from fupin.areas.models import Area
from fupin.registry.bulk import Submission, households_bulk_register
from fupin.registry.exporting import headers, households_export, identity_columns
from fupin.registry.importing import households_import
from fupin.registry.models import Household, HouseholdYear, Member, MemberEvent, StatusTransition
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db
VILLAGES = ["533301001001", "533301001201", "533301102201", "533301102202"]
HOUSEHOLDS = 320
TRANSFERS = {"family_planning_subsidy": "100", "dibao_payment": "1800", "tekun_payment": "0", "pension_payment": "1260",
             "eco_compensation": "350.5", "other_transfer": "80"}


def _member(n: int, k: int) -> dict:
    """Member k of household n: most with an ID number (some a disability certificate), some without — with and
    without a birth date, and twins of one name with neither — and every flag in turn."""
    flags = {name: ("是", "否", "")[(n + k + offset) % 3] for offset, name in enumerate(
        ("in_basic_medical", "in_critical_illness", "in_pension", "in_employee_pension", "on_dibao", "on_tekun"))}
    data = {"name": f"成员{n}-{k}", "relation": "户主" if k == 0 else "之子", "ethnicity": "傈僳族",
            "education": "小学", "health": "健康", "labour": "普通劳动力", "work_location": "县外省内务工",
            "work_months": str((n + k) % 13), "active_soldier": "是" if n % 17 == 0 and k == 1 else "否", **flags}
    if k > 0 and n % 5 == 0:  # a child without an ID number, with a birth date
        return {**data, "sex": "女", "birth_date": f"2015-0{1 + n % 9}-1{k}"}
    if k > 0 and n % 7 == 0:  # twins without an ID number, a birth date or a name of their own in the file
        return {**data, "name": f"双胞胎{n}", "sex": "男", "relation": "之子"}
    number = id_number("533301", f"{1950 + n % 50}{1 + k:02d}{1 + n % 28:02d}", f"{n % 999:03d}")
    if n % 13 == 0 and k == 0:
        return {**data, "id_kind": "残疾人证", "id_number": number + "42"}
    return {**data, "id_number": number}


def _submission(n: int) -> Submission:
    village = VILLAGES[n % len(VILLAGES)]
    size = 1 + n % 4
    if n % 7 == 0:
        size = 3  # the head and twins
    exited = n % 3 == 0
    household = {"number": f"{village}{n:04d}7", "attribute": ("一般贫困户", "低保贫困户", "特困供养贫困户")[n % 3],
                 "main_cause": "因病", "other_causes": "缺技术、缺资金" if n % 2 else "", "identified_year": "2014",
                 "status": "已脱贫" if exited else "未脱贫", "exit_year": "2020" if exited else "",
                 "planned_exit_year": "2020", "phone": f"1380000{n:04d}", "bank_name": "农村信用社",
                 "bank_account": f"6217{n:012d}", "is_relocated": "是" if n % 4 == 0 else "否",
                 "relocation_year": "2018" if n % 4 == 0 else "", "is_martyr_family": "是" if n % 9 == 0 else "否",
                 "is_one_child": "是" if n % 10 == 0 else "否", "is_two_daughters": "是" if n % 11 == 0 else "否",
                 "monitoring_category": "脱贫不稳定户" if n % 8 == 0 else "",
                 "monitoring_since": "2020-06-01" if n % 8 == 0 else "",
                 "risk_status": "未消除风险" if n % 8 == 0 else ""}
    members = [_member(n, k) for k in range(size)]
    land = {"cultivated_land": "3.5", "irrigated_land": "1.25", "forest_land": "10", "orchard_land": "0.5",
            "housing_area": "86.4", "housing_grade": "A级", "road_type": "水泥路", "fuel": "柴草",
            "road_distance_km": "1.2", "in_cooperative": "是", "sanitary_toilet": "否",
            "drinking_water_difficult": "否"}
    indicators = {name: "是" for name in ("food_secure", "clothing_secure", "education_secure", "medical_secure",
                                         "housing_secure", "water_secure")}
    earlier = {"wage_income": str(2000 * size), "business_income": "1500", "business_expense": "300",
               **TRANSFERS, **land, **indicators, "size_end": size, "status": "0"}
    if n % 6 == 1:
        later = {**land, "size_start": size, "size_end": size, "status": "0"}  # the ledger not entered (NULL)
    else:
        later = {"wage_income": str(3000 * size), "property_income": "120", **TRANSFERS, **land, **indicators,
                 "size_start": size, "size_end": size, "status": "1" if exited else "0",
                 "monitoring_category": "脱贫不稳定户" if n % 8 == 0 else ""}
    return Submission(village, household, members, 2020, later, history=((2019, earlier),))


@pytest.fixture
def county():
    load_fixture_divisions()
    result = households_bulk_register(actor=system_user(), submissions=[_submission(n) for n in range(HOUSEHOLDS)],
                                      batch_size=100)
    assert not result.rejected, result.rejected[:3]
    assert Member.objects.filter(id_number__isnull=True).count() > 100
    assert HouseholdYear.objects.filter(year=2020, net_income__isnull=True).count() > 40
    return result


def dump() -> tuple:
    """Every row of the registry, every column (timestamps and versions included: a rewrite shows)."""
    return (list(Household.objects.order_by("pk").values()), list(Member.objects.order_by("pk").values()),
            list(HouseholdYear.objects.order_by("pk").values()),
            list(StatusTransition.objects.order_by("pk").values()), MemberEvent.objects.count())


NOTHING = {"households_created": 0, "households_updated": 0, "members_created": 0, "members_updated": 0,
           "rejected": 0, "errors": [], "dry_run": False, "written": True}


def counts(report) -> dict:
    summary = report.as_dict()
    summary.pop("rows")
    return summary


def read_rows(path) -> list[list]:
    if path.suffix == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as handle:
            return list(csv.reader(handle))
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def write_rows(path, rows: list[list]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(rows)


@pytest.mark.parametrize(("suffix", "language"), [(".xlsx", "zh-hans"), (".csv", "zh-hans"), (".csv", "zh-hant"),
                                                  (".xlsx", "en")])
def test_a_whole_county_re_imported_changes_nothing(tmp_path, county, suffix, language):
    before = dump()
    members = Member.objects.count()
    for year in (2019, 2020):
        path = tmp_path / f"county-{year}{suffix}"
        assert households_export(actor=system_user(), path=path, year=year,
                                 area=Area.objects.get(code="533301000000"), language=language) == members
        assert read_rows(path)[0] == headers(language)
        report = households_import(actor=system_user(), path=path)
        assert counts(report) == NOTHING and report.rows == members
    assert dump() == before


def test_the_export_carries_what_the_import_rebuilds(tmp_path, county):
    path = tmp_path / "county.csv"
    households_export(actor=system_user(), path=path, year=2019, language="zh-hans")
    rows = read_rows(path)
    header, data = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    for column in ("出生日期", "城乡居民基本医疗保险", "大病保险", "低保", "特困供养", "其中：低保金",
                   "其中：生态补偿金", "耕地面积（亩）", "住房面积（平方米）", "危房级别", "成员编号", "年末脱贫标志",
                   "联系电话", "易地扶贫搬迁户"):
        assert column in header
    child = Member.objects.filter(id_number__isnull=True, birth_date__isnull=False).first()
    row = next(r for r in data if r["成员编号"] == str(child.pk))
    # In a CSV an identity's digits are written ="…", which Excel opens as text keeping every digit.
    assert (row["出生日期"], row["证件号码"], row["户编号"]) == (
        child.birth_date.isoformat(), "", f'="{child.household.number}"')
    year = HouseholdYear.objects.get(household=child.household, year=2019)
    assert (row["其中：低保金"], row["其中：生态补偿金"], row["耕地面积（亩）"]) == ("1800.00", "350.50", "3.50")
    assert row["年末脱贫标志"] == "未脱贫" and year.status == "0"
    certificate = Member.objects.filter(id_kind="2").first()
    exported = next(r for r in data if r["成员编号"] == str(certificate.pk))["证件号码"]
    assert exported == f'="{certificate.disability_certificate}"'


def test_identity_columns_are_text_in_the_workbook(tmp_path, county):
    path = tmp_path / "county.xlsx"
    households_export(actor=system_user(), path=path, year=2019)
    rows = read_rows(path)
    columns = identity_columns()
    assert [rows[0][i] for i in columns] == ["户编号", "证件号码", "成员编号", "联系电话", "银行账号"]
    assert all(isinstance(row[i], str) for row in rows[1:] for i in columns)
    with zipfile.ZipFile(path) as book:
        styles, sheet = book.read("xl/styles.xml").decode(), book.read("xl/worksheets/sheet1.xml").decode()
    codes = dict(re.findall(r'<numFmt numFmtId="(\d+)" formatCode="([^"]*)"', styles)) | {"49": "@"}
    formats = re.findall(r'<xf numFmtId="(\d+)"', styles.split("<cellXfs")[1])
    text = [int(first) - 1 for first, last, style in re.findall(r'<col min="(\d+)" max="(\d+)"[^>]*? style="(\d+)"',
                                                               sheet) if codes.get(formats[int(style)]) == "@"]
    assert text == columns


def test_a_masked_export_re_imports_without_touching_the_real_numbers(tmp_path, county):
    clerk = make_user(actions=["view", "export", "import", "change"], area="533301000000")
    path = tmp_path / "masked.csv"
    before = dump()
    households_export(actor=clerk, path=path, year=2019)
    rows = read_rows(path)
    id_column, phone_column = rows[0].index("证件号码"), rows[0].index("联系电话")
    assert all("*" in row[id_column] for row in rows[1:] if row[id_column])
    assert all("*" in row[phone_column] for row in rows[1:])
    report = households_import(actor=clerk, path=path)
    assert counts(report) == NOTHING
    assert dump() == before


def test_masked_numbers_that_cannot_be_kept_are_refused(tmp_path, county):
    clerk = make_user(actions=["view", "export", "import", "change"], area="533301000000")
    path = tmp_path / "masked.csv"
    households_export(actor=clerk, path=path, year=2019)
    rows = read_rows(path)
    header = rows[0]
    key, id_column, phone = header.index("成员编号"), header.index("证件号码"), header.index("联系电话")
    number = header.index("户编号")
    with_id = [i for i, row in enumerate(rows) if i and row[id_column]]
    first, second = with_id[0], with_id[5]
    rows[first][key] = ""  # the masked number can no longer be tied to a stored member
    other = next(i for i in with_id if rows[i][number] != rows[second][number])
    rows[second][id_column] = rows[other][id_column]  # a masked number that is not this member's
    new_household = [list(rows[first]) for _ in range(1)]
    new_household[0][number], new_household[0][key] = "5333010012019999", ""
    new_household[0][header.index("年末家庭人口")] = "1"
    new_household[0][header.index("家庭年人均纯收入")] = ""
    households = {}
    for row in rows[1:]:
        households.setdefault(row[number], []).append(row)
    phone_row = next(i for i in with_id if rows[i][number] not in {rows[first][number], rows[second][number]})
    for row in households[rows[phone_row][number]]:
        row[phone] = "138****9999"
    write_rows(path, [header, *rows[1:], *new_household])
    before = dump()
    report = households_import(actor=clerk, path=path, skip_invalid=True)
    with translation.override("en"):
        errors = {(e.row, e.column): e.text() for e in report.errors}
    masked_first = rows[first][id_column]
    assert errors[(first + 1, "证件号码")] == (
        f"ID number “{masked_first}” is masked and the row has no member number: a masked number is only kept for a "
        "member recognised by the member number an export gave; enter the full number.")
    assert errors[(second + 1, "证件号码")] == (
        f"ID number “{rows[other][id_column]}” is masked and does not match the stored number: enter the full number.")
    assert errors[(len(rows) + 1, "证件号码")] == (
        f"ID number “{masked_first}” is masked (exported for a role that may not see it) and cannot be stored: enter "
        "the full number.")
    phone_rows = [i + 1 for i, row in enumerate(rows) if i and row[number] == rows[phone_row][number]]
    assert errors[(phone_rows[0], "联系电话")] == (
        "Phone number “138****9999” is masked and does not match the stored number: enter the full number.")
    assert (report.households_created, report.members_created, report.households_updated) == (0, 0, 0)
    assert dump() == before


def _small_county():
    load_fixture_divisions()
    subs = [_submission(n) for n in (7, 14, 5, 1)]  # twins, twins, a child without an ID, IDs only
    households_bulk_register(actor=system_user(), submissions=subs)
    return {sub.household["number"]: sub for sub in subs}


def test_a_file_without_member_numbers_recognises_members_by_name_and_birth_date(tmp_path):
    _small_county()
    path = tmp_path / "county.csv"
    households_export(actor=system_user(), path=path, year=2019)
    rows = read_rows(path)
    key = rows[0].index("成员编号")
    write_rows(path, [row[:key] + row[key + 1:] for row in rows])
    before = dump()
    report = households_import(actor=system_user(), path=path, skip_invalid=True)
    twins = [i + 1 for i, row in enumerate(rows) if row[rows[0].index("姓名")].startswith("双胞胎")]
    assert len(twins) == 4 and report.rejected == 6  # two households of three rows (the head and the twins)
    with translation.override("en"):
        messages = {e.row: e.text() for e in report.errors}
    assert {messages[row] for row in twins[::2]} == {
        f"2 members of this household without an ID number are named 双胞胎{n} and born on —: give the member "
        "number (as an export has it) or the ID number to say which one." for n in (7, 14)}
    assert (report.households_updated, report.members_created, report.members_updated) == (0, 0, 0)
    assert dump() == before


def test_member_numbers_update_in_place_and_are_checked(tmp_path):
    _small_county()
    path = tmp_path / "county.csv"
    households_export(actor=system_user(), path=path, year=2019)
    rows = read_rows(path)
    header = rows[0]
    name, key, number = header.index("姓名"), header.index("成员编号"), header.index("户编号")
    child = Member.objects.get(name="成员5-1")
    renamed = next(i for i, row in enumerate(rows) if row[key] == str(child.pk))
    rows[renamed][name] = "成员五"  # a correction of the name of a member without an ID number
    report = households_import(actor=system_user(), path=write_csv_rows(tmp_path, "renamed.csv", rows))
    assert (report.members_updated, report.members_created, report.rejected) == (1, 0, 0)
    assert Member.objects.get(pk=child.pk).name == "成员五"
    other_household = next(i for i, row in enumerate(rows) if i and row[number] != rows[renamed][number])
    foreign, unknown, twice = list(rows[renamed]), list(rows[renamed]), list(rows[renamed])
    foreign[key] = rows[other_household][key]
    unknown[key] = "999999"
    first_twice = next(i for i, row in enumerate(rows) if row[number] == rows[renamed][number] and i != renamed)
    twice[key] = rows[first_twice][key]
    other_number = rows[other_household][number].strip('="')
    for bad, expected in ((foreign, f"Member number {rows[other_household][key]} is a member of household "
                                    f"{other_number}, not of this one."),
                          (unknown, "No member of this household has the member number 999999 (the file may come "
                                    "from another database): leave the member number empty to register the person "
                                    "as a new member."),
                          (twice, f"This row and row {first_twice + 1} are the same member.")):
        changed = [list(row) for row in rows]
        changed[renamed] = bad
        report = households_import(actor=system_user(), path=write_csv_rows(tmp_path, "bad.csv", changed))
        with translation.override("en"):
            assert [(e.row, e.column, e.text()) for e in report.errors] == [(renamed + 1, "成员编号", expected)]
        assert not report.written


def write_csv_rows(tmp_path, name: str, rows: list[list]):
    path = tmp_path / name
    write_rows(path, rows)
    return path


def test_the_round_trip_holds_when_a_worker_process_reads_the_file(tmp_path, county, settings):
    """A large file is read and cleaned in a worker process: what recognises members travels with it."""
    settings.FUPIN_IMPORT_WORKER_ABOVE_BYTES = 0
    clerk = make_user(actions=["view", "export", "import", "change"], area="533301000000")
    before = dump()
    for actor, suffix in ((system_user(), ".xlsx"), (clerk, ".csv")):
        path = tmp_path / f"county{suffix}"
        households_export(actor=actor, path=path, year=2020)
        assert counts(households_import(actor=actor, path=path)) == NOTHING
    assert dump() == before
    rows = read_rows(path)  # the clerk's masked CSV
    key, id_column = rows[0].index("成员编号"), rows[0].index("证件号码")
    masked = next(i for i, row in enumerate(rows) if i and row[id_column])
    rows[masked][key] = ""
    report = households_import(actor=clerk, path=write_csv_rows(tmp_path, "changed.csv", rows))
    assert [(e.row, e.column) for e in report.errors] == [(masked + 1, "证件号码")] and not report.written
    assert dump() == before


def test_a_new_household_is_registered_whatever_member_numbers_its_rows_carry(tmp_path):
    """An export of another database registers its households here once: keys name nothing of a new household."""
    _small_county()
    path = tmp_path / "county.csv"
    households_export(actor=system_user(), path=path, year=2019)
    rows = read_rows(path)
    header = rows[0]
    number, id_column = header.index("户编号"), header.index("证件号码")
    household = rows[1][number]
    copied = [list(row) for row in rows[1:] if row[number] == household]
    for row in copied:
        row[number], row[id_column] = "5333010012019991", ""  # the copy's people have no ID number here
    report = households_import(actor=system_user(), path=write_csv_rows(tmp_path, "new.csv", [header, *copied]))
    assert (report.households_created, report.members_created, report.rejected) == (1, len(copied), 0)
    assert Member.objects.filter(household__number="5333010012019991").count() == len(copied)


def test_a_member_who_left_since_the_export_is_not_changed_by_it(tmp_path):
    import datetime

    from fupin.registry.services import member_leave

    _small_county()
    path = tmp_path / "county.csv"
    households_export(actor=system_user(), path=path, year=2019)
    child = Member.objects.get(name="成员5-1")
    member_leave(actor=system_user(), member=child, household_version=child.household.version, kind="move_out",
                 date=datetime.date(2020, 3, 1))
    before = dump()
    report = households_import(actor=system_user(), path=path)
    with translation.override("en"):
        assert [e.text() for e in report.errors] == [
            f"Member number {child.pk} has left this household (on 2020-03-01); an import does not change a former "
            "member."]
    assert not report.written and dump() == before
