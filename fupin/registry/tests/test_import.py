"""Importing the 建档立卡 workbook: formats, encodings, every kind of bad row, atomicity, idempotence."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from fupin.core.files.tabular import csv_text
from fupin.core.files.workbooks import SheetWriter
from fupin.registry.importing import households_import
from fupin.registry.models import Household, HouseholdYear, Member
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_household, system_user

pytestmark = pytest.mark.django_db
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
          "主要致贫原因", "识别年度", "脱贫标志", "工资性收入", "转移性收入", "不愁吃", "住房安全有保障"]
V1, V2 = "533301102201", "533301102202"


def rows():
    return [
        [V1, "H001", "2019", "张三", id_number(sequence="011"), "男", "户主", "傈僳族", "一般贫困户", "缺技术", "2014",
         "未脱贫", "8000", "600", "是", "否"],
        [V1, "H001", "2019", "李四", id_number(birth="19820304", sequence="022"), "女", "配偶", "傈僳族", "", "", "",
         "", "", "", "", ""],
        [V2, "H002", "2019", "和梅", id_number(birth="19700101", sequence="044"), "女", "户主", "怒族", "低保贫困户",
         "因病", "2015", "已脱贫", "9000", "1200", "是", "是"],
    ]


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def write_csv(tmp_path, data, name="h.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(csv_text(data).encode(encoding))
    return path


def test_a_clean_file_imports_with_the_json_contract(tmp_path, capsys):
    path = write_csv(tmp_path, [HEADER, *rows()])
    call_command("import", "households", str(path), "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert summary == {"rows": 3, "households_created": 2, "households_updated": 0, "members_created": 3,
                       "members_updated": 0, "rejected": 0, "dry_run": False, "written": True, "errors": []}
    h1 = Household.objects.get(number="H001")
    assert (h1.attribute, h1.main_cause, h1.status, h1.members.count()) == ("01", "07", "0", 2)
    year = HouseholdYear.objects.get(household=h1, year=2019)
    assert (year.size_end, year.net_income, year.net_income_per_capita, year.food_secure, year.housing_secure) == (
        2, 8600, 4300, True, False)
    assert Household.objects.get(number="H002").status == "1"


def test_reimport_is_idempotent_and_changes_update(tmp_path, reading):
    path = write_csv(tmp_path, [HEADER, *rows()])
    households_import(actor=system_user(), path=path)
    again = households_import(actor=system_user(), path=path)
    assert (again.households_created, again.households_updated, again.members_created, again.members_updated) == (
        0, 0, 0, 0)
    changed = rows()
    changed[1][3] = "李思"  # a member's name
    changed[2][12] = "9500"  # an income
    report = households_import(actor=system_user(), path=write_csv(tmp_path, [HEADER, *changed], "h2.csv"))
    assert (report.households_updated, report.members_updated, report.members_created) == (2, 1, 0)
    assert Member.objects.filter(name="李思").exists()
    assert HouseholdYear.objects.get(household__number="H002").wage_income == 9500


def test_a_column_the_file_lacks_leaves_the_stored_values_alone(tmp_path, reading):
    households_import(actor=system_user(), path=write_csv(tmp_path, [HEADER, *rows()]))
    without = HEADER.index("民族")
    changed = [row[:without] + row[without + 1:] for row in [HEADER, *rows()]]
    changed[2][3] = "李思"  # the spouse's name
    report = households_import(actor=system_user(), path=write_csv(tmp_path, changed, "h2.csv"))
    assert report.errors == []
    assert (report.households_updated, report.members_updated, report.members_created) == (1, 1, 0)
    assert Member.objects.get(name="李思").ethnicity == Member.objects.get(name="张三").ethnicity != ""


def test_gb18030_csv_with_traditional_script(tmp_path):
    traditional = ["行政區劃代碼", "戶編號", "年度", "姓名", "證件號碼", "性別", "與戶主關係", "民族", "貧困戶屬性",
                   "主要致貧原因", "識別年度", "脫貧標誌", "工資性收入", "轉移性收入", "不愁吃", "住房安全有保障"]
    data = [[cell.replace("户主", "戶主").replace("傈僳族", "傈僳族").replace("一般贫困户", "一般貧困戶")
             .replace("未脱贫", "未脫貧").replace("缺技术", "缺技術").replace("张三", "張三") for cell in row]
            for row in rows()[:2]]
    path = write_csv(tmp_path, [traditional, *data], encoding="gb18030")
    report = households_import(actor=system_user(), path=path)
    assert (report.errors, report.households_created, report.members_created) == ([], 1, 2)
    assert Member.objects.get(relation="01").name_simplified == "张三"


def test_xlsx_with_a_title_row_above_the_header(tmp_path):
    path = tmp_path / "h.xlsx"
    writer = SheetWriter(path, ["2019年泸水市建档立卡贫困户信息表"])
    writer.write(HEADER)
    for row in rows():
        writer.write(row)
    writer.close()
    report = households_import(actor=system_user(), path=path)
    assert (report.errors, report.households_created, report.members_created) == ([], 2, 3)


@pytest.fixture(params=["in this process", "in a worker process", "keys remembered on disk"])
def reading(request, settings):
    """Both ways a file is read and cleaned: here (small files) or by a spawned worker (large files); and the
    file-level duplicate and adjacency checks with what they remember moved to disk from the first key on."""
    settings.FUPIN_IMPORT_WORKER_ABOVE_BYTES = 0 if request.param == "in a worker process" else 2**40
    if request.param == "keys remembered on disk":
        settings.FUPIN_KEYS_IN_MEMORY = 0
    return request.param


def test_every_kind_of_bad_row_is_reported_with_row_and_column(tmp_path, capsys, reading):
    register_household(area=V2, number="OLD", members=[
        {"name": "旧户主", "id_number": id_number(birth="19600606", sequence="099"), "relation": "户主"}])
    make_user(username="clerk", actions=["view", "change", "import"], area="533301000000")
    good = rows()[0]

    def household(number, **changes):
        row = list(good)
        row[1] = number
        row[4] = id_number(birth="19750505", sequence=f"{sum(map(ord, number)) % 400:03d}")
        row[5] = ""  # the sex follows from the ID number
        for index, value in changes.items():
            row[int(index[1:])] = value
        return row

    data = [HEADER,
            household("B1", c4="533301198001010011"),  # 2: bad ID checksum
            household("B2", c0="533301102299"),  # 3: unknown village
            household("B3", c0="533323101201"),  # 4: outside the clerk's grant
            household("B4"),  # 5
            household("B4", c3="王二", c4=id_number(birth="19900101", sequence="133")),  # 6: a second head
            household("B5", c4=id_number(sequence="300")),  # 7
            household("B6", c4=id_number(sequence="300")),  # 8: duplicate ID in the file
            household("B7", c4=id_number(birth="19600606", sequence="099")),  # 9: duplicate ID against the registry
            household("B8", c7="火星族"),  # 10: bad enumeration
            household("B9", c12="-100"),  # 11: negative income
            household("B10"), household("B10", c3="子", c4=id_number(birth="20000101", sequence="171"), c6="之子",
                                        c8="低保贫困户"),  # 12-13: conflicting household values
            ]
    path = write_csv(tmp_path, data)
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "households", str(path), "--user", "clerk", "--format", "json",
                     "--errors", str(tmp_path / "errors.xlsx"))
    summary = json.loads(capsys.readouterr().out)
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [
        (2, "证件号码"), (3, "行政区划代码"), (4, "行政区划代码"), (6, "与户主关系"), (8, "证件号码"), (9, "证件号码"),
        (10, "民族"), (11, "工资性收入"), (13, "贫困户属性")]
    assert summary["rejected"] == 11  # every row of a rejected household; B5 (row 7) is valid
    assert Household.objects.count() == 1
    sheet = CalamineWorkbook.from_path(str(tmp_path / "errors.xlsx")).get_sheet_by_index(0).to_python()
    assert sheet[0][-2:] == ["错误原因", "Reason"]
    by_row = {int(r[0]): r for r in sheet[1:]}
    assert by_row[2][-2] == "证件号码: 身份证号码的校验码错误。"
    assert by_row[2][-1] == "证件号码: The check digit of the ID number is wrong."
    assert "outside the areas granted to you" in by_row[4][-1]
    assert by_row[5][-1] == "another row of the household has errors"
    assert 7 not in by_row
    for row in (3, 4, 9):  # rejected after cleaning: a worker sent them without their values, read again here
        assert by_row[row][1:-2] == data[row - 1]


def test_skip_invalid_writes_the_valid_households(tmp_path, reading):
    data = [HEADER, *rows(), [V1, "H009", "2019", "坏行", "533301198001010011", "", "户主", "", "一般贫困户", "缺技术",
                              "2014", "未脱贫", "", "", "", ""]]
    report = households_import(actor=system_user(), path=write_csv(tmp_path, data), skip_invalid=True)
    assert (report.households_created, report.rejected, report.written) == (2, 1, True)
    dry = households_import(actor=system_user(), path=write_csv(tmp_path, data, "again.csv"), dry_run=True)
    assert (dry.written, dry.households_created, dry.rejected) == (False, 0, 1)


def test_a_failure_mid_promotion_leaves_nothing_half_written(tmp_path, monkeypatch, reading):
    from fupin.registry import bulk

    original = bulk.insert_rows
    calls = {"n": 0}

    def failing(model, rows, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # households and members are in; the year records fail
            raise RuntimeError("disk full")
        return original(model, rows, **kwargs)

    monkeypatch.setattr(bulk, "insert_rows", failing)
    with pytest.raises(RuntimeError):
        households_import(actor=system_user(), path=write_csv(tmp_path, [HEADER, *rows()]))
    assert (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()) == (0, 0, 0)


def test_rows_of_a_household_must_stand_together(tmp_path, reading):
    data = [HEADER, rows()[0], rows()[2], rows()[1]]
    report = households_import(actor=system_user(), path=write_csv(tmp_path, data))
    assert [(e.row, e.column) for e in report.errors] == [(4, "户编号")]


@pytest.mark.parametrize("name", ["households.xls", "households.ods"])
def test_xls_and_ods(name):
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "imports" / name
    report = households_import(actor=system_user(), path=path)
    assert (report.errors, report.households_created, report.members_created) == ([], 2, 3)


def test_two_row_headers_with_groups(tmp_path):
    top = ["行政区划代码", "户编号", "年度", "家庭成员", "", "", "", "", "户信息", "", "", "", "收支情况", "", "", ""]
    sub = ["", "", "", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性", "主要致贫原因", "识别年度",
           "脱贫标志", "工资性收入", "转移性收入", "不愁吃", "住房安全有保障"]
    path = write_csv(tmp_path, [["某县建档立卡信息表"], top, sub, *rows()])
    report = households_import(actor=system_user(), path=path)
    assert (report.errors, report.households_created, report.members_created) == ([], 2, 3)
    assert HouseholdYear.objects.get(household__number="H002").wage_income == 9000


@pytest.mark.parametrize("stream_above", [0, 20 * 2**20])  # the streaming reader and calamine
def test_two_sheet_layout_with_an_income_sheet(tmp_path, settings, stream_above, reading):
    import xlsxwriter

    settings.FUPIN_XLSX_STREAM_ABOVE_BYTES = stream_above
    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, data in (
        ("户信息", [["行政区划代码", "户编号", "年度", "贫困户属性", "主要致贫原因", "识别年度", "脱贫标志"],
                  [V1, "H001", "2019", "一般贫困户", "缺技术", "2014", "未脱贫"],
                  [V2, "H002", "2019", "低保贫困户", "因病", "2015", "已脱贫"]]),
        ("家庭成员", [["户编号", "姓名", "证件号码", "与户主关系", "民族"],
                   ["H001", "张三", id_number(sequence="011"), "户主", "傈僳族"],
                   ["H001", "李四", id_number(birth="19820304", sequence="022"), "配偶", "傈僳族"],
                   ["H002", "和梅", id_number(birth="19700101", sequence="044"), "户主", "怒族"]]),
        ("收支情况", [["户编号", "工资性收入", "转移性收入"], ["H001", "8000", "600"], ["H002", "9000", "1200"]]),
    ):
        sheet = book.add_worksheet(name)
        for index, row in enumerate(data):
            sheet.write_row(index, 0, row)
    book.close()
    report = households_import(actor=system_user(), path=path)
    assert (report.errors, report.households_created, report.members_created) == ([], 2, 3)
    assert HouseholdYear.objects.get(household__number="H001").net_income == 8600
    assert Household.objects.get(number="H002").attribute == "04"
