"""Reading spreadsheets and CSV files as rows keyed by canonical column names.

CSV encodings are detected, not asked: a UTF-8 BOM, then strict UTF-8 over the whole file, else GB18030 (a
superset of GBK, which is what Chinese Excel writes). Workbooks (.xlsx, .xls, .ods) are read with calamine.
Row numbers are the ones a user sees in Excel: the header is row 1 (or wherever it stands).

Identity columns (ID, household, phone and bank account numbers, and any column declared one) are where Excel's
habits corrupt data: a number keeps 15 significant digits (533321197208053424 becomes 533321197208053440, which
may pass the check digit) and loses its leading zeros. A double cannot hold an 18-digit ID, and nothing in a numeric
cell tells whether a shorter number had leading zeros, so an identity is only taken from text: a numeric cell, and
in a CSV (where nothing is typed) the forms Excel writes numbers in — scientific notation, a decimal point, more
than 15 digits ending in zeros — are refused with what happened and how to fix it, and never stored. Full-width
digits and stray spaces are normalised first. A workbook's text cell is trusted: Excel keeps every digit of it.
"""

import codecs
import csv
import io
import itertools
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from fupin.core.idnumbers import check_character, normalise_identity

from .reports import FileError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}

# Identity columns ----------------------------------------------------------------------------------------------
ID_NUMBER, HOUSEHOLD_NUMBER, PHONE, BANK_ACCOUNT, IDENTITY = (
    "id_number", "household_number", "phone", "bank_account", "identity")
IDENTITY_NAMES = {ID_NUMBER: _("ID number"), HOUSEHOLD_NUMBER: _("Household number"), PHONE: _("Phone number"),
                  BANK_ACCOUNT: _("Bank account number"), IDENTITY: _("The number")}
# The headers that make a column an identity without its declaring it, as `_normalise_header` leaves them (every
# import's columns are found by these labels, in either script or English).
IDENTITY_HEADERS = {
    **dict.fromkeys(["证件号码", "證件號碼", "身份证号", "身份證號", "身份证号码", "身份證號碼", "公民身份号码",
                     "公民身份號碼", "idnumber", "id_number", "残疾人证号", "殘疾人證號",
                     "disabilitycertificatenumber", "disability_certificate"], ID_NUMBER),
    **dict.fromkeys(["户编号", "戶編號", "householdnumber", "household_number"], HOUSEHOLD_NUMBER),
    **dict.fromkeys(["联系电话", "聯繫電話", "聯系電話", "电话", "電話", "手机号码", "手機號碼", "phone",
                     "phonenumber"], PHONE),
    **dict.fromkeys(["银行账号", "銀行賬號", "银行帐号", "銀行帳號", "银行卡号", "銀行卡號", "bankaccount",
                     "bank_account"], BANK_ACCOUNT),
}
EXCEL_DIGITS = 15  # significant digits Excel (and LibreOffice) keep of a number
# The forms a number takes as text: scientific notation (Excel's General format, LibreOffice's CSV), or a decimal
# point (a CSV written from a numeric column by other programs).
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")
_DECIMAL = re.compile(r"[+-]?\d+\.\d*")
_TEXT_FORMULA = re.compile(r'="(\d+)"')  # a CSV cell Excel reads as the text of these digits (`text_formula`)
STORED_AS_NUMBER = _("%(what)s was stored by Excel as a number (%(value)s) and may have lost digits: a number keeps "
                     "only 15 significant digits and no leading zeros; format the column as Text and enter the "
                     "values again.")
IN_SCIENTIFIC_NOTATION = _("%(what)s “%(value)s” is in scientific notation: Excel stored it as a number and lost "
                           "its digits after the 15th; format the column as Text and enter the values again.")
ZEROS_AFTER_15_DIGITS = _("%(what)s “%(value)s” has only zeros after its 15th digit: Excel stored it as a number "
                          "and lost the digits after the 15th; format the column as Text and enter the values again.")


def text_formula(digits: str) -> str:
    """A CSV cell holding an identity's digits as ="…", which Excel opens as text (a plain cell of digits it turns
    into a number, losing the digits after the 15th and leading zeros); `identity_refusal` reads it back."""
    return f'="{digits}"'


def identity_of(label: str) -> str:
    """The identity a column with this header holds ("" for none)."""
    return IDENTITY_HEADERS.get(_normalise_header(label), "")


class Refusal:
    """Why a cell is refused: a translatable message and its parameters, rendered in the active language."""

    def __init__(self, message, params: dict):
        self.message, self.params = message, params

    def __str__(self) -> str:
        return str(self.message) % self.params


def _as_excel_shows(number: float) -> str:
    """A number as Excel shows it in a Number format: its first 15 significant digits, then zeros — so the user
    sees the digits that are lost (533321197208053424 is shown 533321197208053000)."""
    shown = Decimal(f"{number:.{EXCEL_DIGITS}g}")
    return str(int(shown)) if shown == shown.to_integral_value() else str(shown)


def identity_refusal(kind: str, value, *, typed: bool) -> tuple[str, Refusal | None]:
    """An identity cell's text, normalised, and why it is refused (None if it is not). `value` is the cell as read
    (a workbook's numbers are numbers); `typed` says whether the file types its cells (a workbook, not a CSV)."""
    if type(value) is int or type(value) is float:
        shown = _as_excel_shows(value)
        return shown, Refusal(STORED_AS_NUMBER, {"what": IDENTITY_NAMES[kind], "value": shown})
    if not typed and type(value) is str and (quoted := _TEXT_FORMULA.fullmatch(value.strip())):
        # ="…": text Excel shows as written (how an export's CSV keeps long numbers intact); never a cut number.
        return normalise_identity(quoted.group(1)), None
    text = normalise_identity(value.strip() if type(value) is str else _clean(value))
    if text.isdigit():
        if typed or len(text) <= EXCEL_DIGITS or text[EXCEL_DIGITS:].strip("0"):
            return text, None
        # A genuine ID number may end in zeros (sequence x00, check digit 0): its check digit tells it apart from
        # one Excel cut, which passes the check once in eleven times.
        if kind == ID_NUMBER and len(text) == 18 and check_character(text[:17]) == text[17]:
            return text, None
        return text, Refusal(ZEROS_AFTER_15_DIGITS, {"what": IDENTITY_NAMES[kind], "value": text})
    if _SCIENTIFIC.fullmatch(text):
        return text, Refusal(IN_SCIENTIFIC_NOTATION, {"what": IDENTITY_NAMES[kind], "value": text})
    if not typed and _DECIMAL.fullmatch(text):
        return text, Refusal(STORED_AS_NUMBER, {"what": IDENTITY_NAMES[kind], "value": text})
    return text, None


@dataclass(frozen=True)
class Column:
    """A canonical column: its key, the Chinese header (first label) and every accepted alias."""

    key: str
    labels: tuple[str, ...]
    required: bool = True
    # The identity the column holds (ID_NUMBER, HOUSEHOLD_NUMBER, PHONE, BANK_ACCOUNT or IDENTITY), "" for none;
    # None: known from its labels (IDENTITY_HEADERS), so every import's identity columns are found without its
    # declaring them.
    identity: str | None = None

    def __post_init__(self):
        if self.identity is None:
            found = next(filter(None, map(identity_of, self.labels)), "")
            object.__setattr__(self, "identity", found)

    @property
    def header(self) -> str:
        return self.labels[0]


@dataclass
class Table:
    columns: dict[str, Column]
    header_row: int
    positions: dict[str, int] = field(default_factory=dict)
    file_headers: dict[str, str] = field(default_factory=dict)  # each column's header as the file writes it
    unmatched: dict[int, str] = field(default_factory=dict)  # header cells naming no column, by position
    rows: Iterator[tuple[int, list]] = field(default_factory=lambda: iter(()))
    typed: bool = True  # a workbook, whose cells are numbers or text; a CSV is all text
    sheet: str | None = None

    def records(self, on_refused: Callable[[int, str, Refusal], None] | None = None,
                ) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column key: cleaned text}) for each non-empty data row. An identity cell that Excel may
        have corrupted (`identity_refusal`) is given to `on_refused(row number, column key, refusal)` before its row
        is yielded, its text as the file has it: the caller reports it and must not store the row. Without
        `on_refused` the first such cell stops the reading (FileError)."""
        keys, positions = list(self.positions), list(self.positions.values())
        if not keys:
            return
        width = max(positions) + 1
        pick = operator.itemgetter(*positions) if len(positions) > 1 else lambda cells: (cells[positions[0]],)
        identities = [(index, key, self.columns[key].identity) for index, key in enumerate(keys)
                      if self.columns[key].identity]
        typed = self.typed
        for number, cells in self.rows:
            if len(cells) < width:
                cells = [*cells, *[""] * (width - len(cells))]
            picked = pick(cells)
            try:  # a CSV row is all text: stripped in C; a workbook's numbers, dates and blanks go through _clean
                texts = list(map(str.strip, picked))
            except TypeError:
                texts = list(map(_clean, picked))
            for index, key, kind in identities:
                text = texts[index]
                # The common cell, text of ASCII letters and digits that Excel cannot have cut, costs a few checks
                # in C; the rest is `identity_refusal`'s.
                if not text or (type(picked[index]) is str and text.isascii() and text.isalnum() and (
                        typed or len(text) <= EXCEL_DIGITS or text[EXCEL_DIGITS:].strip("0"))):
                    continue
                texts[index], refusal = identity_refusal(kind, picked[index], typed=typed)
                if refusal is not None:
                    self._refuse(on_refused, number, key, refusal)
            if any(texts):
                yield number, dict(zip(keys, texts, strict=True))

    def _refuse(self, on_refused, number: int, key: str, refusal: Refusal) -> None:
        if on_refused is not None:
            on_refused(number, key, refusal)
            return
        column = self.file_headers.get(key) or self.columns[key].header
        if self.sheet:
            raise FileError(_("Sheet %(sheet)s, row %(row)s, column %(column)s: %(reason)s"), sheet=self.sheet,
                            row=number, column=column, reason=refusal)
        raise FileError(_("Row %(row)s, column %(column)s: %(reason)s"), row=number, column=column, reason=refusal)


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _normalise_header(text) -> str:
    return "".join(_clean(text).split()).lower()


def detect_encoding(path: Path, chunk_size: int = 1 << 20) -> str:
    with open(path, "rb") as handle:
        head = handle.read(3)
        if head == codecs.BOM_UTF8:
            return "utf-8-sig"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
        try:
            while chunk := handle.read(chunk_size):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _csv_rows(path: Path) -> Iterator[list]:
    from .guard import check_text_file, csv_rows

    encoding = detect_encoding(path)
    check_text_file(path, encoding)  # NUL bytes, mixed encodings; csv_rows: cells too long, lines not CSV
    with open(path, encoding=encoding, errors="strict", newline="") as handle:
        try:
            sample = handle.read(64 * 1024)
        except UnicodeDecodeError:
            sample = ""
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        yield from csv_rows(csv.reader(handle, dialect))


def _workbook_rows(path: Path, sheet: str | None) -> Iterator[list]:
    # calamine is four times faster but loads the whole sheet (≈ 2 GiB for a million rows): a large .xlsx is
    # streamed instead, so memory stays flat in the file's size; either only once the guard has checked the file.
    from .guard import workbook_rows

    yield from workbook_rows(path, sheet)


def raw_rows(path: str | Path, sheet: str | None = None) -> Iterator[list]:
    path = Path(path)
    if not path.exists():
        raise FileError(_("File not found: %(path)s"), path=str(path))
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        return _workbook_rows(path, sheet)
    return _csv_rows(path)


def open_table(path: str | Path, columns: list[Column], *, sheet: str | None = None, scan_rows: int = 10) -> Table:
    """Find the header row among the first `scan_rows` rows and map its cells to canonical columns."""
    by_label = {_normalise_header(label): column for column in columns for label in column.labels}
    numbered = enumerate(raw_rows(path, sheet), start=1)
    found: tuple[int, dict[str, int], dict[str, str], list] | None = None
    for number, cells in numbered:
        positions: dict[str, int] = {}
        file_headers: dict[str, str] = {}
        for index, cell in enumerate(cells):
            column = by_label.get(_normalise_header(cell))
            if column is not None and column.key not in positions:
                positions[column.key] = index
                file_headers[column.key] = _clean(cell)
        if positions:  # the first row naming any known column is the header; rows above it are titles
            found = (number, positions, file_headers, [cells])
            break
        if number >= scan_rows:
            break
    if found is None:
        expected = "、".join(c.header for c in columns if c.required)
        raise FileError(_("No header row found; expected columns: %(columns)s"), columns=expected)
    header_row, positions, file_headers, header_rows = found
    # National forms use two header rows: groups (收入情况, merged over several columns) above the field names.
    # A next row that names further known columns, and has nothing under the columns already found, completes
    # the header; otherwise it is the first data row.
    following = next(numbered, None)
    if following is not None:
        number, cells = following
        more = {}
        for index, cell in enumerate(cells):
            column = by_label.get(_normalise_header(cell))
            if column is not None and column.key not in positions and index not in positions.values():
                more[column.key] = (index, _clean(cell))
        under_found = any(index < len(cells) and _clean(cells[index]) for index in positions.values())
        if more and not under_found:
            for key, (index, text) in more.items():
                positions[key], file_headers[key] = index, text
            header_row = number
            header_rows.append(cells)
        else:
            numbered = itertools.chain([following], numbered)
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise FileError(_("Required columns are missing: %(columns)s"), columns="、".join(missing))
    # A group cell of a two-row header stands above columns the second row names, so it is not unmatched.
    taken = set(positions.values())
    unmatched = {index: _clean(cell) for cells in header_rows for index, cell in enumerate(cells)
                 if _clean(cell) and index not in taken}
    return Table(columns={c.key: c for c in columns}, header_row=header_row, positions=positions,
                 file_headers=file_headers, unmatched=unmatched, rows=numbered,
                 typed=Path(path).suffix.lower() in WORKBOOK_SUFFIXES, sheet=sheet)


def csv_text(rows: list[list]) -> str:
    """CSV text of rows, for tests and error files."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
