"""Import of a department's list with the common contract: row, column and reason in Chinese and English, all
or nothing, idempotent, Excel's habits (IDs stored as numbers, full-width digits, GBK CSV)."""

import io

import pytest
from django.core.management import call_command
from django.utils import translation

from fupin.core.files.spreadsheets import workbook
from fupin.lowincome.importing import list_import
from fupin.lowincome.models import CategoryMembership, EconomicCheck, Person
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    system_user,
    write_csv,
)

from .helpers import FUGONG, LUZHANG, SANHE, D

pytestmark = pytest.mark.django_db
HEADER = ["证件号码", "姓名", "行政区划代码", "认定日期", "家庭人口", "家庭人均收入", "财产核对通过"]
A, B, C = (id_number("533301", "19700101", "201"), id_number("533301", "19750505", "202"),
           id_number("533301", "19800808", "203"))


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def _run(path, **options):
    return list_import(actor=options.pop("actor", system_user()), path=path, category=options.pop("category", "低保"),
                       department="泸水市民政局", identified_on=D(2023, 3, 1), **options)


def test_list_imported_then_reimported_unchanged(tmp_path):
    registered = id_number("533301", "19650202", "031")
    household = register_household(members=[member_data(name="和成", id_number=registered)]).household
    path = write_csv(tmp_path, "dibao.csv", [HEADER, [A, "甲", LUZHANG, "", "3", "4200", "是"],
                                             [B, "乙", SANHE, "2022-07-01", "", "", ""],
                                             [registered, "和成", "", "2021-5-6", "2", "3000", "否"]])
    report = _run(path)
    assert report.as_dict()["created"] == 3 and report.written and not report.errors
    assert Person.objects.get(id_number=registered).household == household
    dates = dict(CategoryMembership.objects.values_list("person__name", "identified_on"))
    assert dates == {"甲": D(2023, 3, 1), "乙": D(2022, 7, 1), "和成": D(2021, 5, 6)}
    assert list(EconomicCheck.objects.order_by("year").values_list("person__name", "year", "household_size",
                                                                  "property_passed")) == [
        ("和成", 2021, 2, False), ("甲", 2023, 3, True)]
    again = _run(path)
    assert again.as_dict()["unchanged"] == 3 and again.as_dict()["created"] == 0
    assert CategoryMembership.objects.count() == 3


def test_errors_are_reported_by_row_and_column_and_nothing_is_written(tmp_path):
    wrong_check = A[:17] + ("0" if A[17] != "0" else "1")
    path = write_csv(tmp_path, "bad.csv", [HEADER,
                                          [A, "甲", LUZHANG, "", "", "", ""],
                                          ["5.33301197001012E+17", "乙", LUZHANG, "", "", "", ""],
                                          [wrong_check, "丙", LUZHANG, "", "", "", ""],
                                          [B, "丁", "533301999999", "", "", "", ""],
                                          [C, "戊", LUZHANG, "2030-01-01", "", "", ""],
                                          [id_number("533301", "19900101", "204"), "己", "", "", "", "", ""],
                                          [A, "甲", LUZHANG, "", "", "", ""],
                                          [id_number("533301", "19900101", "205"), "庚", LUZHANG, "", "2",
                                           "abc", "是"]])
    with translation.override("en"):
        report = _run(path)
        errors = {(e["row"], e["column"]): e["message_en"] for e in report.as_dict()["errors"]}
    assert not report.written and not CategoryMembership.objects.exists() and not Person.objects.exists()
    assert set(errors) == {(3, "证件号码"), (4, "证件号码"), (5, "行政区划代码"), (6, "认定日期"),
                           (7, "行政区划代码"), (8, "证件号码"), (9, "家庭人均收入")}
    assert "scientific notation" in errors[(3, "证件号码")]
    assert errors[(4, "证件号码")] == "The check digit of the ID number is wrong."
    assert errors[(5, "行政区划代码")] == "No area has the code 533301999999."
    assert "in the future" in errors[(6, "认定日期")]
    assert "give the village's area code" in errors[(7, "行政区划代码")]
    assert errors[(8, "证件号码")] == "The same record is given again in row 2."
    assert errors[(9, "家庭人均收入")] == "“abc” is not a number."
    assert report.as_dict()["errors"][0]["message_zh"] != report.as_dict()["errors"][0]["message_en"]
    kept = _run(path, skip_invalid=True)
    assert kept.written and kept.as_dict()["created"] == 1 and Person.objects.get().name == "甲"


def test_gbk_csv_with_full_width_digits(tmp_path):
    wide = A.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    path = write_csv(tmp_path, "gbk.csv", [HEADER[:3], [wide, "甲", LUZHANG]], encoding="gbk")
    report = _run(path)
    assert report.written and Person.objects.get().id_number == A


def test_workbook_with_ids_stored_as_numbers_is_refused(tmp_path):
    path = tmp_path / "list.xlsx"
    book = workbook(path)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER[:3])
    sheet.write_number(1, 0, int(A))
    sheet.write_string(1, 1, "甲")
    sheet.write_string(1, 2, LUZHANG)
    book.close()
    with translation.override("en"):
        report = _run(path)
    assert not report.written and "stored by Excel as a number" in report.as_dict()["errors"][0]["message_en"]


def test_monitoring_list_needs_its_category_and_the_right_in_the_village(tmp_path):
    path = write_csv(tmp_path, "m.csv", [["证件号码", "姓名", "行政区划代码", "监测类型"],
                                         [A, "甲", LUZHANG, "边缘易致贫户"], [B, "乙", FUGONG, "2"]])
    operator = make_user(role="village_operator", area=LUZHANG)
    with translation.override("en"):
        report = _run(path, category="monitoring", actor=operator)
    assert [(e["row"], e["message_en"]) for e in report.as_dict()["errors"]] == [
        (3, "533323101201 is outside the areas granted to you.")]
    report = _run(path, category="monitoring", skip_invalid=True, actor=operator)
    assert CategoryMembership.objects.get().monitoring_category == "2"


def test_command(tmp_path):
    path = write_csv(tmp_path, "edge.csv", [HEADER[:3], [A, "甲", LUZHANG]])
    out = io.StringIO()
    call_command("lowincome", "import", str(path), "--category", "edge", "--department", "泸水市民政局",
                 "--date", "2024-01-15", "--format", "json", stdout=out)
    assert '"created": 1' in out.getvalue()
    assert CategoryMembership.objects.get().category == "edge"
