"""Writing workbooks: streamed (constant memory) with xlsxwriter, split across sheets past Excel's row limit.
Cells are written by fupin.core.files.spreadsheets: a name like `=cmd|' /C calc'!A0` from a file or the registry is
text in an export or an error workbook, never a formula."""

from collections.abc import Iterable

from fupin.core.files.spreadsheets import add_sheet, workbook, write_cells

EXCEL_MAX_ROWS = 1_048_576


class SheetWriter:
    """Rows go to sheet 1, 2, … with the header repeated, each holding at most Excel's limit."""

    def __init__(self, path, header: list[str], *, title: str = "数据", max_rows: int = EXCEL_MAX_ROWS):
        self.book = workbook(path, {"constant_memory": True})
        self.header, self.title, self.capacity = header, title, max_rows - 1
        self.bold = self.book.add_format({"bold": True})
        self.sheet, self.row, self.sheets = None, 0, 0

    def _new_sheet(self) -> None:
        self.sheets += 1
        self.sheet = add_sheet(self.book, self.title if self.sheets == 1 else f"{self.title}{self.sheets}")
        write_cells(self.sheet, 0, 0, self.header, self.bold)
        self.sheet.freeze_panes(1, 0)
        self.row = 0

    def write(self, values: Iterable) -> None:
        if self.sheet is None or self.row >= self.capacity:
            self._new_sheet()
        self.row += 1
        write_cells(self.sheet, self.row, 0, values)

    def close(self) -> None:
        if self.sheet is None:
            self._new_sheet()
        self.book.close()


def write_error_workbook(path, headers: list[str], rejected_cells: dict[int, list], errors) -> None:
    """The rejected rows as they were, each with its reasons beside it in Chinese and in English."""
    reasons: dict[int, list] = {}
    for error in errors:
        reasons.setdefault(error.row, []).append(error)
    writer = SheetWriter(path, ["行号 (row)", *headers, "错误原因", "Reason"], title="错误")
    for row in sorted(set(rejected_cells) | set(reasons)):
        found = reasons.get(row, [])
        zh = "；".join(f"{e.column}: {e.text('zh-hans')}" for e in found) or "同户其他行有错误"
        en = "; ".join(f"{e.column}: {e.text('en')}" for e in found) or "another row of the household has errors"
        writer.write([row, *rejected_cells.get(row, [""] * len(headers)), zh, en])
    writer.close()
