import datetime

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from fupin.core.files import xlsx_stream


@pytest.mark.parametrize("constant_memory", [False, True])  # shared strings, or inline strings
def test_the_streamed_rows_equal_calamines(tmp_path, constant_memory):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    book.add_worksheet("封面").write(0, 0, "建档立卡信息表")
    sheet = book.add_worksheet("家庭成员")
    sheet.write_row(0, 0, ["行政区划代码", "姓名", "年度", "工资性收入", "是否"])
    sheet.write_row(1, 0, ["533301102201", "張三", 2019, 8000.5, True])
    sheet.write(3, 1, "隔一行")  # row 3 left empty; a gap before column B
    sheet.write(3, 4, "末列")
    book.close()
    streamed = list(xlsx_stream.iter_rows(path, "家庭成员"))
    assert streamed == [["行政区划代码", "姓名", "年度", "工资性收入", "是否"],
                        ["533301102201", "張三", 2019, 8000.5, True], [], ["", "隔一行", "", "", "末列"]]
    reference = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("家庭成员").to_python()
    assert [[cell for cell in row] for row in reference[:2]] == [
        ["行政区划代码", "姓名", "年度", "工资性收入", "是否"], ["533301102201", "張三", 2019, 8000.5, True]]
    assert xlsx_stream.sheet_names(path) == ["封面", "家庭成员"]
    assert list(xlsx_stream.iter_rows(path)) == [["建档立卡信息表"]]


def test_large_workbooks_are_streamed_through_the_import(tmp_path, settings, db):
    """Above the size threshold the import reads .xlsx through the streaming reader (same results)."""
    from fupin.core.files.tabular import raw_rows

    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_row(0, 0, ["a", datetime.date(2019, 1, 1).isoformat()])
    book.close()
    settings.FUPIN_XLSX_STREAM_ABOVE_BYTES = 0
    assert list(raw_rows(path)) == [["a", "2019-01-01"]]


def _calamine_rows(path, sheet=None):
    book = CalamineWorkbook.from_path(str(path))
    rows = (book.get_sheet_by_name(sheet) if sheet else book.get_sheet_by_index(0)).to_python(skip_empty_area=False)
    return [[cell for cell in row] for row in rows]


def _trimmed(rows):
    """Rows without their trailing empty cells (calamine pads every row to the sheet's width)."""
    result = []
    for row in rows:
        row = list(row)
        while row and row[-1] == "":
            row.pop()
        result.append(row)
    return result


@pytest.mark.parametrize("constant_memory", [False, True])  # shared strings, or inline strings
def test_every_kind_of_cell_reads_as_calamine_reads_it(tmp_path, constant_memory):
    """Values, entities, formulas with cached values, booleans, gaps, and rich text (which the fast scan hands to
    ElementTree) — calamine is the oracle."""
    path = tmp_path / "cells.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": constant_memory})
    sheet = book.add_worksheet("家庭成员")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["户编号", "姓名", "收入", "是否", "备注"])
    for row in range(1, 3000):  # enough rows for more than one megabyte piece of XML
        sheet.write_row(row, 0, [f"H{row:05d}", f"张&<三>{row}", row * 1.5, row % 2 == 0, "  空格 \"引号\"  "])
    sheet.write_formula(3000, 2, "=C2+C3", None, 7.5)
    sheet.write_rich_string(3001, 1, "富", bold, "文本")  # rich text: the piece is parsed instead of scanned
    sheet.write(3003, 3, "隔行隔列")
    book.close()
    streamed = list(xlsx_stream.iter_rows(path, "家庭成员"))
    assert _trimmed(streamed) == _trimmed(_calamine_rows(path, "家庭成员"))
    assert streamed[1] == ["H00001", "张&<三>1", 1.5, False, "  空格 \"引号\"  "]
    assert (streamed[3000][2], streamed[3001][1], streamed[3002], streamed[3003]) == (
        7.5, "富文本", [], ["", "", "", "隔行隔列"])


def test_a_sheet_with_prefixed_tags_is_parsed(tmp_path):
    """Some writers prefix every tag (<x:row>); such a sheet is read by ElementTree, with the same rows."""
    import zipfile

    plain = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(str(plain), {"constant_memory": True})
    book.add_worksheet().write_row(0, 0, ["行政区划代码", "姓名", 2019, "A&B"])
    book.close()
    prefixed = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(prefixed, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace('xmlns="http://schemas', 'xmlns:x="http://schemas', 1)
                text = __import__("re").sub(r"<(/?)(?!\?)(\w+)", r"<\1x:\2", text)
                data = text.encode()
            target.writestr(item, data)
    assert list(xlsx_stream.iter_rows(prefixed)) == [["行政区划代码", "姓名", 2019, "A&B"]]
