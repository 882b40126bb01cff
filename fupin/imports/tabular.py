"""Reading spreadsheets and CSV files as rows keyed by canonical column names.

CSV encodings are detected, not asked: a UTF-8 BOM, then strict UTF-8 over the whole file, else GB18030 (a
superset of GBK, which is what Chinese Excel writes). Workbooks (.xlsx, .xls, .ods) are read with calamine.
Row numbers are the ones a user sees in Excel: the header is row 1 (or wherever it stands).
"""

import codecs
import csv
import io
import itertools
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .reports import FileError

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}


@dataclass(frozen=True)
class Column:
    """A canonical column: its key, the Chinese header (first label) and every accepted alias."""

    key: str
    labels: tuple[str, ...]
    required: bool = True

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

    def records(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column key: cleaned text}) for each non-empty data row."""
        keys, positions = list(self.positions), list(self.positions.values())
        if not keys:
            return
        width = max(positions) + 1
        pick = operator.itemgetter(*positions) if len(positions) > 1 else lambda cells: (cells[positions[0]],)
        for number, cells in self.rows:
            if len(cells) < width:
                cells = [*cells, *[""] * (width - len(cells))]
            picked = pick(cells)
            try:  # a CSV row is all text: stripped in C; a workbook's numbers, dates and blanks go through _clean
                texts = list(map(str.strip, picked))
            except TypeError:
                texts = list(map(_clean, picked))
            if any(texts):
                yield number, dict(zip(keys, texts, strict=True))


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
    encoding = detect_encoding(path)
    with open(path, encoding=encoding, newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(handle, dialect)


def _workbook_rows(path: Path, sheet: str | None) -> Iterator[list]:
    # calamine is four times faster but loads the whole sheet (≈ 2 GiB for a million rows): above a size the
    # .xlsx is streamed instead, so memory stays flat in the file's size.
    stream_above = getattr(settings, "FUPIN_XLSX_STREAM_ABOVE_BYTES", 20 * 2**20)
    if path.suffix.lower() in {".xlsx", ".xlsm"} and path.stat().st_size > stream_above:
        from .xlsx_stream import iter_rows

        yield from iter_rows(path, sheet)
        return
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    chosen = workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
    yield from chosen.iter_rows()


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
                 file_headers=file_headers, unmatched=unmatched, rows=numbered)


def csv_text(rows: list[list]) -> str:
    """CSV text of rows, for tests and error files."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()
