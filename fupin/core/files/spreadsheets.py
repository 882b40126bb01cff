"""Writing users' text into the files they open in a spreadsheet program, without formula injection.

A name such as `=cmd|' /C calc'!A0` typed into a form must reach an export, an import's error workbook or a report
as the text it is, not as a formula Excel runs. Every .xlsx and .csv writer of the project goes through here:

- .xlsx: `workbook()` turns xlsxwriter's conversions off (a string starting with "=" would be written as a
  formula, one like "1e5" as a number, one like "http://…" as a link), and `write_cell`/`write_cells` write a str
  with write_string — never write_formula — and a number with write_number, so a negative number stays a number.
  A text a spreadsheet would take for a formula also gets Excel's quote prefix (the cell's "'", which is not part
  of its value): it stays text even when someone edits the cell and presses Enter.
- .csv: a text that starts like a formula (= + - @, a tab or a carriage return: OWASP's CSV injection list) gets a
  leading single quote, since a CSV cell has no type. A number written as text ("-12.5", "+8613800000000") is
  left as it is: Excel reads it as a number, not a formula.
"""

import math
import numbers
import re
from collections.abc import Iterable

FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# xlsxwriter's options that turn text into something else; `workbook()` forces them off.
NO_CONVERSIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


def formula_like(text: str) -> bool:
    """Whether a spreadsheet program would take this text for a formula (or a DDE command)."""
    return bool(text) and text[0] in FORMULA_STARTS and _NUMBER.fullmatch(text) is None


def csv_cell(value):
    """A value for a CSV cell: a formula-like text with a leading single quote, anything else unchanged."""
    if type(value) is str and value and value[0] in FORMULA_STARTS and _NUMBER.fullmatch(value) is None:
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    """A row for csv.writer with every formula-like text neutralised (`csv_cell`)."""
    return [csv_cell(value) for value in values]


def workbook(path, options: dict | None = None):
    """An xlsxwriter workbook that writes text as text (`NO_CONVERSIONS` whatever `options` say)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {**(options or {}), **NO_CONVERSIONS})
    book.fupin_quoted = book.add_format({"quote_prefix": True})  # Excel's "'": text, even once edited
    return book


def write_cell(sheet, row: int, column: int, value, cell_format=None) -> None:
    """Write one value by its type: text with write_string (formula-like text quote-prefixed when the cell has no
    format of its own), numbers with write_number, booleans, dates; None as an empty cell."""
    if value is None or value == "":
        if cell_format is not None:
            sheet.write_blank(row, column, None, cell_format)
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value, cell_format)
    elif isinstance(value, numbers.Real) and math.isfinite(value):
        sheet.write_number(row, column, float(value) if not isinstance(value, int) else value, cell_format)
    elif isinstance(value, str):
        if cell_format is None and formula_like(value):
            cell_format = getattr(sheet, "fupin_quoted", None)
        sheet.write_string(row, column, value, cell_format)
    elif hasattr(value, "isoformat") and not isinstance(value, str):
        sheet.write_string(row, column, value.isoformat(), cell_format)
    else:  # a lazy translation, NaN …: as their text
        write_cell(sheet, row, column, str(value), cell_format)


def write_cells(sheet, row: int, column: int, values: Iterable, cell_format=None) -> None:
    """Write a row of values from (row, column), each by `write_cell`."""
    for offset, value in enumerate(values):
        write_cell(sheet, row, column + offset, value, cell_format)


def add_sheet(book, name: str | None = None):
    """A worksheet of a `workbook()` that knows the workbook's quote-prefix format."""
    sheet = book.add_worksheet(name)
    sheet.fupin_quoted = book.fupin_quoted
    return sheet
