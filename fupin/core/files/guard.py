"""Checking a file an import is given before any reader allocates for it: a hostile file is refused with a clear,
translated message (FileError) in bounded time and memory, and never kills the process that reads it.

The readers trust their input. calamine builds a dense grid of the sheet's extent (32 bytes a cell) when it opens
.xls and .ods workbooks, and an .xlsx sheet when it is asked for it: a 1.6 KB .xlsx with cells A1 and XFD1048576,
a 7 KB .xls with cells in its corners, or an .ods cell repeated a billion times asks for up to 512 GiB, and the
process aborts (a Rust allocation failure cannot be caught). A zip bomb (a few MB that unpack to many GB) costs
what it unpacks to wherever a part is read whole (shared strings, styles). So, per format:

- .xlsx: the zip container (entries, declared and actual sizes, compression ratio, methods), the shared strings'
  size, and the sheet's declared <dimension>. calamine reads only a sheet that declares a dimension within
  `max_loaded_cells`, and whose every cell reference lies inside it (one pass in C over the part, which also
  proves the part unpacks to what the zip declares); every other sheet is read by `xlsx_stream`, whose memory is
  one row and which refuses a cell reference beyond `max_columns` or `max_rows` as it reads it.
- .ods: the same container checks, and content.xml read once for the extent its repeated rows and cells make
  (table:number-rows-repeated, table:number-columns-repeated — the ODS bomb).
- .xls: the compound file's Workbook stream read by its sector chains and scanned record by record for the
  positions of its cells, which make calamine's grid.
- CSV: NUL bytes (not a text file), mixed encodings, and cells longer than `max_cell_chars` (Excel's own limit)
  are refused with the line they are on, not left to the csv module's exceptions.

The limits are settings (FUPIN_IMPORT_MAX_*), read when a file is checked.
"""

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .reports import FileError

MiB = 2**20
EXCEL_COLUMNS, EXCEL_ROWS = 16_384, 1_048_576
NOT_A_WORKBOOK = _("The file is not a valid %(kind)s file: it may be damaged, cut short, or another kind of file "
                   "renamed.")
ZIP_BOMB = _("The workbook unpacks to more than %(limit)s MB; it is refused as a possible zip bomb.")
TOO_MANY_COLUMNS = _("The sheet declares %(columns)s columns; an import reads at most %(limit)s. Delete the empty "
                     "columns on the right and save the file again.")
TOO_MANY_ROWS = _("The sheet reaches row %(rows)s; an import reads at most %(limit)s rows.")
CELL_BEYOND = _("Cell %(cell)s lies in column %(column)s; an import reads at most %(limit)s columns.")
CELL_TOO_LONG = _("Row %(row)s has a cell of %(length)s characters; a cell holds at most %(limit)s.")
NOT_TEXT = _("Line %(line)s is not text in the file's encoding (%(encoding)s): save it again as CSV UTF-8.")
TOO_LARGE_TO_LOAD = _("The workbook's sheets span %(cells)s cells, more than an import loads at once (%(limit)s); "
                      "save it as .xlsx, which is read row by row, or delete the empty rows and columns.")


@dataclass(frozen=True)
class Limits:
    """What a file may hold to be read (see config/settings/base.py)."""

    max_columns: int = 1000
    max_rows: int = EXCEL_ROWS
    max_cell_chars: int = 32_767
    max_unpacked_bytes: int = 4 * 2**30
    max_compression_ratio: int = 200
    max_zip_entries: int = 10_000
    max_shared_strings_bytes: int = 256 * MiB
    max_loaded_cells: int = 16_000_000
    stream_above_bytes: int = 20 * MiB

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(max_columns=settings.FUPIN_IMPORT_MAX_COLUMNS, max_rows=settings.FUPIN_IMPORT_MAX_ROWS,
                   max_cell_chars=settings.FUPIN_IMPORT_MAX_CELL_CHARS,
                   max_unpacked_bytes=settings.FUPIN_IMPORT_MAX_UNPACKED_BYTES,
                   max_compression_ratio=settings.FUPIN_IMPORT_MAX_COMPRESSION_RATIO,
                   max_zip_entries=settings.FUPIN_IMPORT_MAX_ZIP_ENTRIES,
                   max_shared_strings_bytes=settings.FUPIN_IMPORT_MAX_SHARED_STRINGS_BYTES,
                   max_loaded_cells=settings.FUPIN_IMPORT_MAX_LOADED_CELLS,
                   stream_above_bytes=getattr(settings, "FUPIN_XLSX_STREAM_ABOVE_BYTES", 20 * MiB))


# Reading workbooks -----------------------------------------------------------------------------------------------
def workbook_rows(path: Path, sheet: str | None) -> Iterator[list]:
    """The rows of a workbook's sheet (the first when none is named), once the file has passed its checks: an
    .xlsx by calamine (four times faster, but it loads the whole sheet) or, when large or irregular, streamed;
    .xls and .ods by calamine. A reader's own failure on a damaged file is a FileError too."""
    limits = Limits.from_settings()
    kind = path.suffix.lower()
    streamed = check_workbook(path, sheet, limits)
    if streamed:
        from .xlsx_stream import iter_rows

        rows = iter_rows(path, sheet, limits=limits)
    else:
        rows = _calamine_rows(path, sheet, limits)
    try:
        yield from rows
    except FileError:
        raise
    except (ValueError, IndexError, KeyError, LookupError, ParseError, zipfile.BadZipFile, zlib.error, EOFError,
            OSError) as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc


def _calamine_rows(path: Path, sheet: str | None, limits: Limits) -> Iterator[list]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        chosen = workbook.get_sheet_by_name(sheet) if sheet else workbook.get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        raise FileError(NOT_A_WORKBOOK, kind=path.suffix.lower()) from exc
    cap = limits.max_cell_chars
    for number, row in enumerate(chosen.iter_rows(), start=1):
        for value in row:
            if type(value) is str and len(value) > cap:
                raise FileError(CELL_TOO_LONG, row=number, length=len(value), limit=cap)
        yield row


def sheet_names(path: Path) -> list[str]:
    """The names of a workbook's sheets, in order, once the file has passed its checks (without reading a sheet
    of an .xlsx)."""
    check_workbook(path, None, Limits.from_settings())
    kind = path.suffix.lower()
    try:
        if kind in {".xlsx", ".xlsm"}:
            from .xlsx_stream import sheet_names as xlsx_sheet_names

            return xlsx_sheet_names(path)
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            return CalamineWorkbook.from_path(str(path)).sheet_names
        except CalamineError as exc:
            raise FileError(NOT_A_WORKBOOK, kind=kind) from exc
    except (ValueError, KeyError, ParseError, zipfile.BadZipFile, zlib.error, OSError) as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc


def check_workbook(path: Path, sheet: str | None, limits: Limits) -> bool:
    """Refuse a hostile or damaged workbook (FileError); True when its sheet must be streamed rather than loaded.
    A file is checked once per process for each sheet and set of limits, however often it is opened."""
    if not path.is_file():
        raise FileError(_("File not found: %(path)s"), path=str(path))
    stat = path.stat()
    return _checked(str(path), sheet, stat.st_size, stat.st_mtime_ns, limits)


@lru_cache(maxsize=64)
def _checked(path: str, sheet: str | None, size: int, _mtime: int, limits: Limits) -> bool:
    kind = Path(path).suffix.lower()
    if size == 0:
        raise FileError(_("The file is empty."))
    if kind == ".xls":
        _check_xls(Path(path), limits)
        return False
    with _zip(Path(path), kind, limits) as book:
        if kind == ".ods":
            _check_ods(book, limits)
            return False
        return _check_xlsx(book, sheet, size, limits)


# Zip containers (.xlsx, .ods) ------------------------------------------------------------------------------------
def _zip(path: Path, kind: str, limits: Limits) -> zipfile.ZipFile:
    """The workbook's zip, its directory checked: how many entries (counted before the directory is read), each
    one's method, declared size and compression ratio, and their total."""
    if _zip_entries(path, kind) > limits.max_zip_entries:
        raise FileError(_("The workbook holds more than %(limit)s parts; it is refused."), limit=limits.max_zip_entries)
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc
    total = 0
    for info in book.infolist():
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 0x1:
            book.close()
            raise FileError(NOT_A_WORKBOOK, kind=kind)  # encrypted, or a method no spreadsheet program writes
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > limits.max_unpacked_bytes or (info.file_size > MiB and ratio > limits.max_compression_ratio):
            book.close()
            raise FileError(ZIP_BOMB, limit=limits.max_unpacked_bytes // MiB)
    return book


def _zip_entries(path: Path, kind: str) -> int:
    """The number of entries the zip's end record declares (zip64 included), read before `zipfile` builds an
    object for each of them."""
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - (22 + 0xFFFF)))
        tail = handle.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            raise FileError(NOT_A_WORKBOOK, kind=kind)
        entries = struct.unpack_from("<H", tail, at + 10)[0]
        if entries != 0xFFFF or at < 20 or tail[at - 20:at - 16] != b"PK\x06\x07":
            return entries
        handle.seek(struct.unpack_from("<Q", tail, at - 12)[0])
        record = handle.read(56)
        if len(record) < 56 or record[:4] != b"PK\x06\x06":
            raise FileError(NOT_A_WORKBOOK, kind=kind)
        return struct.unpack_from("<Q", record, 32)[0]


def _unpacked(book: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str) -> Iterator[bytes]:
    """An entry's content a megabyte at a time, from its raw data, stopping at the size its directory declares
    (zipfile would silently stop there too; calamine's reader would not) and checking its CRC: refuses an entry
    that unpacks to more, or to less, than declared."""
    handle = book.fp
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise FileError(NOT_A_WORKBOOK, kind=kind)
    name_length, extra_length = struct.unpack_from("<HH", header, 26)
    handle.seek(info.header_offset + 30 + name_length + extra_length)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left, produced, crc = info.compress_size, 0, 0
    try:
        while left > 0 or (inflater is not None and inflater.unconsumed_tail):
            if inflater is not None and inflater.unconsumed_tail:
                raw = inflater.unconsumed_tail
            else:
                raw = handle.read(min(left, MiB))
                if not raw:
                    raise FileError(NOT_A_WORKBOOK, kind=kind)
                left -= len(raw)
            piece = inflater.decompress(raw, MiB) if inflater is not None else raw
            produced += len(piece)
            if produced > info.file_size:
                raise FileError(NOT_A_WORKBOOK, kind=kind)
            crc = zlib.crc32(piece, crc)
            yield piece
            if inflater is not None and inflater.eof:
                break
    except zlib.error as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc
    if produced != info.file_size or crc != info.CRC:
        raise FileError(NOT_A_WORKBOOK, kind=kind)


def _verify_parts(book: zipfile.ZipFile, kind: str, skip=lambda name: False) -> None:
    """Every part calamine may read unpacks to what the zip declares."""
    for info in book.infolist():
        if not skip(info.filename) and not info.is_dir():
            for _piece in _unpacked(book, info, kind):
                pass


# .xlsx -------------------------------------------------------------------------------------------------------
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,7})?(\d{1,12})?(?::([A-Z]{1,7})(\d{1,12}))?"')
_PREFIXED_SHEET = re.compile(rb"<\w+:sheetData\b")
# calamine places a cell by any r attribute it has (a second one, one written r='…' or r = "…", a prefixed one), or
# by counting when it has none: a sheet where any r attribute stands elsewhere than first in <c r="…"> or <row r="…">,
# or with a prefixed cell, is streamed, since its references are not all where the check below reads them.
_STRAY_REFERENCE = re.compile(rb'r(?<=[\s:]r)(?:="(?<!<c r=")(?<!<row r=")(?<!xmlns:r=")|=\'|\s+=|=\s)')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")


def _check_xlsx(book: zipfile.ZipFile, sheet: str | None, size: int, limits: Limits) -> bool:
    from .xlsx_stream import sheet_part

    kind = ".xlsx"
    try:
        part = sheet_part(book, sheet)
    except (KeyError, ValueError, ParseError, zipfile.BadZipFile, zlib.error, StopIteration) as exc:
        if sheet and isinstance(exc, KeyError) and sheet in str(exc):
            raise FileError(_("The workbook has no sheet named “%(sheet)s”."), sheet=sheet) from exc
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc
    strings = next((info for info in book.infolist() if info.filename == "xl/sharedStrings.xml"), None)
    if strings is not None and strings.file_size > limits.max_shared_strings_bytes:
        raise FileError(ZIP_BOMB, limit=limits.max_shared_strings_bytes // MiB)
    try:
        info = book.getinfo(part)
    except KeyError as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc
    head = next(_unpacked(book, info, kind), b"")
    found = _DIMENSION.search(head[:64 * 1024])
    if found is None or found.group(2) is None:
        return True  # no declared extent to hold calamine to
    first_column, first_row, last_column, last_row = (part.decode() if part else None for part in found.groups())
    columns = column_number(last_column or first_column or "A")
    rows = int(last_row or first_row)
    if columns > limits.max_columns:
        raise FileError(TOO_MANY_COLUMNS, columns=columns, limit=limits.max_columns)
    if rows > limits.max_rows:
        raise FileError(TOO_MANY_ROWS, rows=rows, limit=limits.max_rows)
    if size > limits.stream_above_bytes or columns * rows > limits.max_loaded_cells or _PREFIXED_SHEET.search(head):
        return True
    _verify_parts(book, kind, skip=lambda name: name.startswith("xl/worksheets/") and name != part)
    outside = _cell_outside(columns, rows)
    text = b""
    for piece in _unpacked(book, info, kind):
        text += piece
        end = text.rfind(b"<")  # searched up to the last tag's start: every tag searched is whole
        if end < 0:
            end = len(text)
        if (outside.search(text, 0, end) or _STRAY_REFERENCE.search(text, 0, end)
                or _PREFIXED_CELL.search(text, 0, end)):
            return True  # streamed, and refused there if beyond the limits
        text = text[end:]
    return False


def _cell_outside(columns: int, rows: int) -> re.Pattern:
    """Matches a cell without its reference first (<c r="…">), or whose reference is not plainly within
    `columns` and `rows` (letters and digits only, neither beyond): one visit in C to each cell."""
    within = (f"(?:{_at_most(column_name(columns - 1), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')})"
              f"(?:{_at_most(str(rows), '0123456789')})")
    return re.compile(rf'<c(?:(?! r=")[\s/>]| r="(?!{within}"))'.encode())


def _at_most(text: str, alphabet: str) -> str:
    """A regular expression for the strings of `alphabet` not after `text` in the order of cell references:
    shorter ones first (the most common), then those of its length, character by character."""
    span = f"[{alphabet[0]}-{alphabet[-1]}]"
    options = [f"{span}{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for index, char in enumerate(text):
        below = alphabet[:alphabet.index(char)]
        if below:
            options.append(f"{re.escape(text[:index])}[{below}]{span}{{{len(text) - index - 1}}}")
    options.append(re.escape(text))
    return "|".join(options)


def column_number(letters: str) -> int:
    """A column's number (A = 1) from its letters."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_name(index: int) -> str:
    """A column's letters from its index (0 = A)."""
    letters, number = "", index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# .ods --------------------------------------------------------------------------------------------------------
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"


def _check_ods(book: zipfile.ZipFile, limits: Limits) -> None:
    """calamine loads every table of content.xml at once, repeating each repeated row and cell: the extent those
    make (up to each table's last cell with a value) must fit the limits."""
    kind = ".ods"
    try:
        info = book.getinfo("content.xml")
    except KeyError as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc
    _verify_parts(book, kind, skip=lambda name: name == "content.xml")
    loaded = width = height = row_index = column = row_width = 0
    row_repeat, row_has_value, cell_has_content = 1, False, False
    stack: list = []  # the open elements: each is dropped from its parent when it ends, so memory is the depth
    try:
        for event, element in iterparse(_PartReader(_unpacked(book, info, kind)), events=("start", "end")):
            tag = element.tag
            if event == "start":
                if stack and stack[-1].tag in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
                    cell_has_content = True  # a paragraph, an annotation …
                stack.append(element)
                if tag == f"{TABLE}table":
                    width = height = row_index = 0
                elif tag == f"{TABLE}table-row":
                    row_repeat = _repeat(element, "number-rows-repeated")
                    column = row_width = 0
                    row_has_value = False
                elif tag in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
                    cell_has_content = element.get(f"{OFFICE}value-type") is not None
                continue
            stack.pop()
            if stack:
                stack[-1].remove(element)
            if tag in (f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
                column += _repeat(element, "number-columns-repeated")
                if cell_has_content:
                    row_width, row_has_value = column, True
                    if column > limits.max_columns:
                        raise FileError(TOO_MANY_COLUMNS, columns=column, limit=limits.max_columns)
            elif tag == f"{TABLE}table-row":
                row_index += row_repeat
                if row_has_value:
                    height, width = row_index, max(width, row_width)
                    if height > limits.max_rows:
                        raise FileError(TOO_MANY_ROWS, rows=height, limit=limits.max_rows)
            elif tag == f"{TABLE}table":
                loaded += width * height
                if loaded > limits.max_loaded_cells:
                    raise FileError(TOO_LARGE_TO_LOAD, cells=loaded, limit=limits.max_loaded_cells)
    except ParseError as exc:
        raise FileError(NOT_A_WORKBOOK, kind=kind) from exc


def _repeat(element, name: str) -> int:
    value = element.get(f"{TABLE}{name}", "1")
    return int(value) if value.isdigit() and len(value) <= 12 else 1


class _PartReader(io.RawIOBase):
    """A zip part being unpacked, as a file iterparse can read."""

    def __init__(self, pieces: Iterator[bytes]):
        self.pieces, self.rest = pieces, b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.rest:
            self.rest = next(self.pieces, None)
            if self.rest is None:
                self.rest = b""
                return 0
        size = min(len(buffer), len(self.rest))
        buffer[:size], self.rest = self.rest[:size], self.rest[size:]
        return size


# .xls --------------------------------------------------------------------------------------------------------
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FREE_SECTOR = 0xFFFFFFFF
END_OF_CHAIN = 0xFFFFFFFE
# BIFF records holding one cell (row, column first) or a run of cells (row, first column … last column last).
_CELL_RECORDS = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0205, 0x0204, 0x00D6, 0x0001, 0x0002, 0x0003, 0x0004,
                 0x0005, 0x0406}
_RUN_RECORDS = {0x00BD, 0x00BE}


def _check_xls(path: Path, limits: Limits) -> None:
    """calamine reads every sheet of an .xls when it opens it, each as a grid from its first to its last cell:
    the cells' positions, read from the Workbook stream's records, must fit the limits."""
    data = path.read_bytes()
    stream = _compound_stream(data, ("Workbook", "Book"))
    loaded, extent, offset = 0, None, 0
    while offset + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4:offset + 4 + length]
        offset += 4 + length
        if kind == 0x0809:  # BOF: a substream (a sheet) starts
            extent = [EXCEL_ROWS, EXCEL_COLUMNS, -1, -1]
        elif kind == 0x000A and extent is not None:  # EOF: its grid is what calamine allocates
            if extent[2] >= 0:
                loaded += (extent[2] - extent[0] + 1) * (extent[3] - extent[1] + 1)
                if loaded > limits.max_loaded_cells:
                    raise FileError(TOO_LARGE_TO_LOAD, cells=loaded, limit=limits.max_loaded_cells)
            extent = None
        elif extent is not None and len(body) >= 4 and (kind in _CELL_RECORDS or kind in _RUN_RECORDS):
            row, first = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if kind in _RUN_RECORDS else first
            extent[0], extent[2] = min(extent[0], row), max(extent[2], row)
            extent[1], extent[3] = min(extent[1], first, last), max(extent[3], first, last)
            if max(first, last) + 1 > limits.max_columns:
                raise FileError(TOO_MANY_COLUMNS, columns=max(first, last) + 1, limit=limits.max_columns)


def _compound_stream(data: bytes, names: tuple[str, ...]) -> bytes:
    """A stream of a compound file (the container of .xls), followed along its sector chain: every chain is
    bounded by the file's own number of sectors, so a looping or overlong chain cannot run on."""
    if len(data) < 512 or data[:8] != OLE_SIGNATURE:
        raise FileError(NOT_A_WORKBOOK, kind=".xls")
    shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if shift not in (9, 12) or mini_shift != 6:
        raise FileError(NOT_A_WORKBOOK, kind=".xls")
    size = 1 << shift
    sectors = (len(data) + size - 1) // size
    _fat_count, directory, _signature, cutoff, mini_fat, _mini_count, difat, difat_count = struct.unpack_from(
        "<8I", data, 0x2C)

    def sector(number: int) -> bytes:
        return data[(number + 1) * size:(number + 2) * size]

    fat_sectors = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < sectors]
    for _step in range(min(difat_count, sectors)):
        if difat >= sectors:
            break
        entries = struct.unpack(f"<{size // 4}I", sector(difat))
        fat_sectors += [n for n in entries[:-1] if n < sectors]
        difat = entries[-1]
    fat = []
    for number in fat_sectors[:sectors]:
        block = sector(number)
        fat += struct.unpack(f"<{len(block) // 4}I", block)

    def chain(start: int, table: list, count: int) -> list[int]:
        found = []
        while start < count and len(found) < count:
            found.append(start)
            start = table[start] if start < len(table) else END_OF_CHAIN
        return found

    directory_bytes = b"".join(sector(n) for n in chain(directory, fat, sectors))
    entries = {}
    root = None
    for at in range(0, len(directory_bytes) - 127, 128):
        entry = directory_bytes[at:at + 128]
        name_length = min(struct.unpack_from("<H", entry, 0x40)[0], 64)
        name = entry[:max(name_length - 2, 0)].decode("utf-16-le", "replace")
        kind = entry[0x42]
        start, length = struct.unpack_from("<IQ", entry, 0x74)
        if kind == 5 and root is None:
            root = (start, length)
        elif kind == 2:
            entries.setdefault(name, (start, length))
    found = next((entries[name] for name in names if name in entries), None)
    if found is None or root is None:
        raise FileError(NOT_A_WORKBOOK, kind=".xls")
    start, length = found
    if length < cutoff:  # a small stream lives in the mini stream, in 64-byte sectors
        mini_table = []
        for number in chain(mini_fat, fat, sectors):
            block = sector(number)
            mini_table += struct.unpack(f"<{len(block) // 4}I", block)
        mini_stream = b"".join(sector(n) for n in chain(root[0], fat, sectors))
        mini_count = len(mini_stream) // 64
        stream = b"".join(mini_stream[n * 64:(n + 1) * 64] for n in chain(start, mini_table, mini_count))
    else:
        stream = b"".join(sector(n) for n in chain(start, fat, sectors))
    return stream[:length]


# CSV ---------------------------------------------------------------------------------------------------------
def check_text_file(path: Path, encoding: str) -> None:
    """Refuse a CSV file that is empty, holds NUL bytes (a binary file, or UTF-16 — Excel's “Unicode text”), or
    mixes encodings (some lines UTF-8, others GBK: decoded as GB18030 they would be stored garbled)."""
    if path.stat().st_size == 0:
        raise FileError(_("The file is empty."))
    with open(path, "rb") as handle:
        if encoding.startswith("utf-8"):  # valid UTF-8 throughout (detect_encoding): only NUL bytes to look for
            lines = 1
            while piece := handle.read(MiB):
                if (at := piece.find(b"\x00")) >= 0:
                    _refuse_nul(lines + piece.count(b"\n", 0, at))
                lines += piece.count(b"\n")
            return
        utf8_line = other_line = None
        number = 0
        while line := handle.readline(4 * MiB):
            number += 1
            if b"\x00" in line:
                _refuse_nul(number)
            if line.isascii() or (len(line) >= 4 * MiB and not line.endswith(b"\n")):  # ASCII, or part of a long line
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                other_line = other_line or number
            else:
                if sum(1 for char in text if ord(char) >= 0x800) >= 2:  # two CJK characters in UTF-8: not chance
                    utf8_line = utf8_line or number
            if utf8_line and other_line:
                raise FileError(_("The file mixes text encodings: line %(utf8)s is UTF-8 and line %(other)s is "
                                  "not. Save it again in one encoding (CSV UTF-8)."), utf8=utf8_line,
                                other=other_line)
            try:
                line.decode(encoding)
            except UnicodeDecodeError as exc:
                raise FileError(NOT_TEXT, line=number, encoding=encoding) from exc


def _refuse_nul(line: int):
    raise FileError(_("Line %(line)s holds NUL bytes: the file is not a text CSV file (Excel's “Unicode text” is "
                      "UTF-16: save it as “CSV UTF-8” instead)."), line=line)


def csv_rows(reader, limits: Limits | None = None) -> Iterator[list]:
    """The rows of a csv reader, each within the limits: a cell longer than a cell may be (the csv module's own
    limit, 131,072 characters, raises its own error), a row wider than an import reads, a line that is not text
    in the file's encoding or not CSV — a FileError naming the line, never the csv module's exception."""
    limits = limits or Limits.from_settings()
    cap, width = limits.max_cell_chars, limits.max_columns
    try:
        for row in reader:
            if len(row) > width:
                raise FileError(_("Line %(line)s has %(columns)s columns; an import reads at most %(limit)s."),
                                line=reader.line_num, columns=len(row), limit=width)
            if row and max(map(len, row)) > cap:
                raise FileError(CELL_TOO_LONG, row=reader.line_num, length=max(map(len, row)), limit=cap)
            yield row
    except UnicodeDecodeError as exc:
        raise FileError(NOT_TEXT, line=reader.line_num + 1, encoding=exc.encoding) from exc
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise FileError(_("Line %(line)s has a cell longer than %(limit)s characters, the most a cell holds."),
                            line=reader.line_num, limit=cap) from exc
        raise FileError(_("Line %(line)s is not valid CSV (a quote left open or a stray line break)."),
                        line=reader.line_num) from exc
