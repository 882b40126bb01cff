"""Excel's habits in the 建档立卡 import (issue 22): identities that arrive as numbers are refused row by row with
what happened and how to fix it, in Chinese and English, and never stored; full-width digits and stray spaces are
normalised. Read both ways: in this process and in the worker that large files use."""

from pathlib import Path

import pytest
import xlsxwriter
from django.utils import translation

from fupin.core.files.tabular import csv_text
from fupin.quality.importing import department_list_import
from fupin.registry.importing import households_import
from fupin.registry.models import Household, Member
from fupin.testing.factories import id_number, load_fixture_divisions, system_user

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "imports"
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "性别", "与户主关系", "民族", "贫困户属性",
          "主要致贫原因", "识别年度", "脱贫标志", "联系电话"]
V1, V2 = "533301102201", "533301102202"
AS_NUMBER = ("{what} was stored by Excel as a number ({value}) and may have lost digits: a number keeps only 15 "
             "significant digits and no leading zeros; format the column as Text and enter the values again.")
AS_NUMBER_ZH = ("{what}被 Excel 存成了数字（{value}），可能已丢失数字：数字只保留 15 位有效数字，且不保留开头的 0。"
                "请将该列设置为“文本”格式后重新输入。")
SCIENTIFIC = ("{what} “{value}” is in scientific notation: Excel stored it as a number and lost its digits after "
              "the 15th; format the column as Text and enter the values again.")
ZEROS = ("{what} “{value}” has only zeros after its 15th digit: Excel stored it as a number and lost the digits "
         "after the 15th; format the column as Text and enter the values again.")
ZEROS_ZH = ("{what}“{value}”第 15 位以后全是 0：Excel 把它存成了数字，第 15 位以后的数字已丢失。"
            "请将该列设置为“文本”格式后重新输入。")


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


@pytest.fixture(params=["in this process", "in a worker process"])
def reading(request, settings):
    settings.FUPIN_IMPORT_WORKER_ABOVE_BYTES = 0 if request.param == "in a worker process" else 2**40
    return request.param


def member(number, name, identity, relation="户主", phone=""):
    head = relation == "户主"
    return [V1, number, "2019", name, identity, "", relation, "傈僳族", "一般贫困户" if head else "",
            "缺技术" if head else "", "2014" if head else "", "未脱贫" if head else "", phone]


def write_csv(tmp_path, rows):
    path = tmp_path / "h.csv"
    path.write_text(csv_text([HEADER, *rows]), encoding="utf-8")
    return path


def errors(report, language="en"):
    return sorted((e.row, e.column, e.text(language)) for e in report.errors)


@pytest.mark.parametrize("name", ["identities-as-numbers.xls", "identities-as-numbers.xlsx"])
def test_a_workbook_made_by_libreoffice_with_identities_as_numbers_is_refused_row_by_row(name, reading):
    """LibreOffice converted a CSV as Excel would: every ID, household number and phone became a number cell."""
    report = households_import(actor=system_user(), path=FIXTURES / name)
    household, identity, phone = "Household number", "ID number", "Phone number"
    assert errors(report) == [
        (2, "户编号", AS_NUMBER.format(what=household, value="53330110220100000")),
        (2, "联系电话", AS_NUMBER.format(what=phone, value="8861234567")),  # was 08861234567
        (2, "证件号码", AS_NUMBER.format(what=identity, value="533301198001010000")),  # was …010119
        (3, "户编号", AS_NUMBER.format(what=household, value="53330110220100000")),
        (3, "证件号码", AS_NUMBER.format(what=identity, value="533301198203040000")),
        (4, "户编号", AS_NUMBER.format(what=household, value="53330110220200000")),
        (4, "联系电话", AS_NUMBER.format(what=phone, value="13908861234")),  # exact, but a phone is text all the same
        (4, "证件号码", AS_NUMBER.format(what=identity, value="533301197001010000")),
    ]
    assert (report.rejected, report.written, Household.objects.count(), Member.objects.count()) == (3, False, 0, 0)


def test_refusals_read_in_chinese(tmp_path):
    path = tmp_path / "h.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    sheet.write_row(1, 0, [*member("H001", "张三", 533321197208053424)[:12], ""])
    book.close()
    report = households_import(actor=system_user(), path=path)
    assert errors(report, "zh-hans") == [
        (2, "证件号码", AS_NUMBER_ZH.format(what="证件号码", value="533321197208053000"))]
    report = households_import(actor=system_user(), path=write_csv(tmp_path, [member("53330110288000000", "张三",
                                                                                      id_number(sequence="011"))]))
    assert errors(report, "zh-hans") == [(2, "户编号", ZEROS_ZH.format(what="户编号", value="53330110288000000"))]


def test_a_csv_with_ids_in_scientific_notation_is_refused(tmp_path, reading):
    path = write_csv(tmp_path, [member("H001", "张三", "5.33321197208053E+17"),
                                member("H001", "李四", id_number(birth="19820304", sequence="022"), "配偶"),
                                member("H002", "和梅", "5.33301197001010E+17")])
    report = households_import(actor=system_user(), path=path)
    assert errors(report) == [
        (2, "证件号码", SCIENTIFIC.format(what="ID number", value="5.33321197208053E+17")),
        (4, "证件号码", SCIENTIFIC.format(what="ID number", value="5.33301197001010E+17")),
    ]
    assert (report.rejected, Household.objects.count()) == (3, 0)  # row 3: its household is rejected with row 2


def test_household_numbers_that_lost_digits_are_refused_not_merged(tmp_path, reading):
    """53330110288000007 and 53330110288000001, saved by Excel as numbers, both became 53330110288000000: read
    as they are, the two households would be one."""
    path = write_csv(tmp_path, [member("53330110288000000", "张三", id_number(sequence="011")),
                                member("53330110288000000", "和梅", id_number(birth="19700101", sequence="044"))])
    report = households_import(actor=system_user(), path=path, skip_invalid=True)
    assert errors(report) == [
        (2, "户编号", ZEROS.format(what="Household number", value="53330110288000000")),
        (3, "户编号", ZEROS.format(what="Household number", value="53330110288000000")),
    ]
    assert (report.written, report.households_created, Household.objects.count()) == (True, 0, 0)


def test_full_width_digits_and_stray_spaces_are_normalised_and_stored_so(tmp_path, reading):
    identity = id_number(birth="19750505", sequence="033")
    full_width = identity.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = write_csv(tmp_path, [member("\u3000H０01\u200b", "张三", f" {full_width[:6]}\u3000{full_width[6:]}\u00a0",
                                       phone="１３９ ０８８６ １２３４")])
    report = households_import(actor=system_user(), path=path)
    assert (report.errors, report.households_created) == ([], 1)
    household = Household.objects.get()
    assert (household.number, household.phone, household.members.get().id_number) == ("H001", "13908861234",
                                                                                       identity)


def test_other_imports_refuse_them_too(tmp_path):
    """The department lists (and every records import) read cells through the same table."""
    import datetime

    path = tmp_path / "list.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for row, values in enumerate([["证件号码", "姓名"], [533321197208053424, "张三"], [id_number(), "李四"]]):
        sheet.write_row(row, 0, values)
    book.close()
    report = department_list_import(actor=system_user(), source="vehicle", name="v", path=path,
                                    received_on=datetime.date(2022, 1, 1))
    assert errors(report) == [(2, "证件号码", AS_NUMBER.format(what="ID number", value="533321197208053000"))]
    assert (report.rows, report.written) == (2, False)


def test_records_imports_refuse_them_row_by_row_and_store_the_rest(tmp_path):
    """The records engine (cadres here): the refused rows are reported and left out, the others written."""
    from fupin.personnel.importing import personnel_import
    from fupin.personnel.models import Cadre

    first, second = id_number("530102", "19800101", "011"), id_number("530102", "19810101", "013")
    path = tmp_path / "cadres.csv"
    path.write_text(csv_text([
        ["姓名", "证件号码", "性别", "管理区划代码", "单位名称", "联系电话"],
        ["王队长", first, "男", "533301000000", "村委会", "13908861234"],
        ["李队员", "5.30102198101010E+17", "男", "533301000000", "村委会", ""],
        ["赵队员", second.translate(str.maketrans("0123456789", "０１２３４５６７８９")), "男", "533301000000",
         "村委会", "8861234567.0"],
    ]), encoding="utf-8")
    report = personnel_import(actor=system_user(), kind="cadres", path=path, skip_invalid=True)
    assert errors(report) == [
        (3, "证件号码", SCIENTIFIC.format(what="ID number", value="5.30102198101010E+17")),
        (4, "联系电话", AS_NUMBER.format(what="Phone number", value="8861234567.0")),
    ]
    assert (report.created, list(Cadre.objects.values_list("id_number", "phone"))) == (1, [(first, "13908861234")])


def test_an_identity_stored_as_a_number_on_the_household_sheet_stops_the_import(tmp_path, reading):
    """The 户信息 sheet of the two-sheet layout is read whole before the member rows: a refused cell there is
    reported with its sheet, row and column, and nothing is imported."""
    from fupin.core.files.reports import FileError

    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, data in (
        ("户信息", [["行政区划代码", "户编号", "年度", "贫困户属性", "主要致贫原因", "识别年度", "联系电话"],
                  [V1, "H001", "2019", "一般贫困户", "缺技术", "2014", 8861234567]]),
        ("家庭成员", [["户编号", "姓名", "证件号码", "与户主关系", "民族"],
                   ["H001", "张三", id_number(sequence="011"), "户主", "傈僳族"]]),
    ):
        sheet = book.add_worksheet(name)
        for index, row in enumerate(data):
            sheet.write_row(index, 0, row)
    book.close()
    with pytest.raises(FileError) as caught:
        households_import(actor=system_user(), path=path)
    with translation.override("en"):
        assert str(caught.value) == (
            "Sheet 户信息, row 2, column 联系电话: " + AS_NUMBER.format(what="Phone number", value="8861234567"))
    assert Household.objects.count() == 0
