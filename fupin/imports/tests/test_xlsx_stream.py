import datetime

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from fupin.imports import xlsx_stream


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
    from fupin.imports.tabular import raw_rows

    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet().write_row(0, 0, ["a", datetime.date(2019, 1, 1).isoformat()])
    book.close()
    settings.FUPIN_XLSX_STREAM_ABOVE_BYTES = 0
    assert list(raw_rows(path)) == [["a", "2019-01-01"]]
