"""Formula injection: a text that a spreadsheet program would run (= + - @, a tab, a carriage return) is written
as text in every .xlsx and .csv the project writes — exports, import error workbooks, reports — through
fupin.core.files.spreadsheets; numbers stay numbers."""

import csv
import re
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from fupin.core.files.spreadsheets import csv_cell, csv_row, formula_like
from fupin.core.files.tabular import csv_text
from fupin.core.files.workbooks import SheetWriter
from fupin.registry.models import Member
from fupin.testing.factories import id_number, load_fixture_divisions, register_poor_household

DDE = "=cmd|' /C calc'!A0"
HOSTILE = [DDE, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"y\")"]
REPOSITORY = Path(__file__).resolve().parents[4]


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as book:
        return "".join(book.read(name).decode() for name in book.namelist() if name.startswith("xl/worksheets/"))


def _rows(path, index: int = 0) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(index).to_python()


@pytest.mark.parametrize(("value", "written"), [
    (DDE, "'" + DDE), ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"), ("-", "'-"), ("=", "'="),
    ("-12.5", "-12.5"), ("+8613800000000", "+8613800000000"), ("-1e5", "-1e5"),  # numbers as text: not formulas
    ("张三", "张三"), ("a=b", "a=b"), ("", ""), (-5, -5), (None, None),
])
def test_csv_cells_that_start_like_a_formula_get_a_quote(value, written):
    assert csv_cell(value) == written
    assert formula_like(value) == (written != value) if isinstance(value, str) else True


def test_an_xlsx_written_by_the_sheet_writer_holds_text_not_formulas(tmp_path):
    path = tmp_path / "book.xlsx"
    writer = SheetWriter(path, ["名称", "数值"])
    for text in HOSTILE:
        writer.write([text, -5])
    writer.write(["-12.5", -12.5])
    writer.close()
    rows = _rows(path)
    assert rows[1:] == [[text, -5] for text in HOSTILE] + [["-12.5", -12.5]]  # the text as it was; numbers numbers
    xml = _sheet_xml(path)
    assert "<f>" not in xml and "<f " not in xml
    assert xml.count('t="n"') == 0 and len(re.findall(r'<c r="B\d+"[^>]*><v>-', xml)) == len(HOSTILE) + 1
    with zipfile.ZipFile(path) as book:
        assert 'quotePrefix="1"' in book.read("xl/styles.xml").decode()  # Excel's ': text even once edited


@pytest.fixture
def registry(db):
    load_fixture_divisions()
    household = register_poor_household(area="533301102201", size=2, income_per_capita="3000")
    Member.objects.filter(household=household, relation="01").update(name=DDE)
    return household


def test_the_household_export_neutralises_formulas(tmp_path, registry):
    xlsx, text = tmp_path / "export.xlsx", tmp_path / "export.csv"
    for path in (xlsx, text):
        call_command("export", "households", "--year", "2019", "-o", str(path))
    rows = _rows(xlsx)
    assert DDE in [row[3] for row in rows]
    assert "<f>" not in _sheet_xml(xlsx)
    with open(text, encoding="utf-8-sig", newline="") as handle:
        names = [row[3] for row in csv.reader(handle)]
    assert "'" + DDE in names and DDE not in names


def test_the_import_error_workbook_neutralises_formulas(tmp_path, db):
    load_fixture_divisions()
    header = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "贫困户属性", "主要致贫原因"]
    source = tmp_path / "h.csv"
    source.write_text(csv_text([header, ["533301102201", "E1", "2019", DDE, "533301198001010011", "户主",
                                         "一般贫困户", "缺技术"],
                                ["533301102201", "E2", "2019", "@SUM(A1)", id_number(sequence="031"), "@户主",
                                 "一般贫困户", "缺技术"]]))
    errors = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError):
        call_command("import", "households", str(source), "--errors", str(errors))
    rows = _rows(errors)
    assert [row[4] for row in rows[1:]] == [DDE, "@SUM(A1)"] and rows[2][6] == "@户主"
    assert "<f>" not in _sheet_xml(errors)


def test_csv_rows_are_neutralised_cell_by_cell():
    assert csv_row([DDE, -5, "-5", "x"]) == ["'" + DDE, -5, "-5", "x"]


def test_every_workbook_is_made_through_the_one_module():
    """No writer makes an xlsxwriter workbook or sheet, or writes a formula, except through
    fupin.core.files.spreadsheets."""
    offenders = []
    for path in (REPOSITORY / "fupin").rglob("*.py"):
        if "tests" in path.parts or path.name == "spreadsheets.py":
            continue
        text = path.read_text()
        if any(call in text for call in ("xlsxwriter.Workbook(", "write_formula(", ".add_worksheet(")):
            offenders.append(str(path.relative_to(REPOSITORY)))
    assert offenders == []
