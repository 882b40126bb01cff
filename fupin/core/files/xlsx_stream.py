"""Reading .xlsx rows one at a time in bounded memory.

calamine (used for .xls and .ods) loads a whole sheet before the first row comes back: 2 GiB for a million-row
national workbook. An .xlsx is a zip of XML parts; this reader decompresses the sheet's XML a megabyte at a time
and reads the rows of each piece with one regular expression for the cell forms that spreadsheet programs write
(a value, an inline string, a formula with its cached value, an empty cell). A piece with anything else (rich
text, cells without a reference, prefixed tags) is read by ElementTree instead, so every file reads correctly and
the common ones three times faster. Only the shared-strings table (each distinct text once) stays in memory.

The reader is given limits (fupin.core.files.guard, which has checked the zip container first): a cell reference
beyond the columns or rows an import reads, or a cell longer than a cell may be, is refused as it is read
(FileError), before a row is padded out to it — a reference such as XFD1048576 or ZZZZZZZ1 in a 2 KB file
would otherwise ask for a row of 16,384 or 8 billion cells, or a million empty rows.
"""

import codecs
import html
import io
import re
import zipfile
from collections.abc import Iterator
from posixpath import dirname, join, normpath
from xml.etree.ElementTree import fromstring, iterparse

from django.utils.translation import gettext_lazy as _

from .guard import CELL_BEYOND, CELL_TOO_LONG, TOO_MANY_ROWS, column_name
from .reports import FileError

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]{1,7})[0-9]*")
_NO_LIMITS = (1 << 62, 1 << 62, 1 << 62)  # columns, rows, characters in a cell


def _column_index(reference: str) -> int:
    found = CELL_REF.fullmatch(reference)
    if found is None:
        raise ValueError(f"not a cell reference: {reference[:20]!r}")
    index = 0
    for letter in found.group(1):
        index = index * 26 + ord(letter) - 64
    return index - 1


def _beyond_columns(row, index: int, limit: int):
    raise FileError(CELL_BEYOND, cell=f"{column_name(index)}{row or ''}", column=index + 1, limit=limit)


def _too_long(row, length: int, limit: int):
    raise FileError(CELL_TOO_LONG, row=row, length=length, limit=limit)


_SHARED_STRING = re.compile(r"<si><t(?:\s[^>]*)?>([^<]*)</t></si>|<si>(.*?)</si>", re.S)


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    text = book.read("xl/sharedStrings.xml").decode("utf-8")  # distinct texts: far smaller than the sheet
    if re.search(r"<\w+:sst\b", text):  # prefixed tags
        return _shared_strings_parsed(text)
    return [_si_text(fromstring(f'<si xmlns="{MAIN[1:-1]}">{other}</si>')) if other else _unescape(plain)
            for plain, other in _SHARED_STRING.findall(text)]


def _shared_strings_parsed(text: str) -> list[str]:
    return [_si_text(element) for element in fromstring(text).iter(f"{MAIN}si")]


def _si_text(element) -> str:
    """A shared string's text: its own <t>, or its rich-text runs' — not its phonetic guides (<rPh>)."""
    return "".join(t.text or "" for run in [element, *element.iter(f"{MAIN}r")] for t in run.findall(f"{MAIN}t"))


def _unescape(text: str) -> str:
    return html.unescape(text) if "&" in text else text


def sheet_part(book: zipfile.ZipFile, sheet: str | None) -> str:
    """The path of the XML part of the sheet named (the first when none is); KeyError naming a missing sheet."""
    paths = _sheet_paths(book)
    if sheet:
        if sheet not in paths:
            raise KeyError(sheet)
        return paths[sheet]
    if not paths:
        raise KeyError("")
    return next(iter(paths.values()))


def _sheet_paths(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → path of its XML part, in workbook order."""
    targets = {}
    with book.open("xl/_rels/workbook.xml.rels") as part:
        for _event, element in iterparse(part):
            if element.tag == f"{RELS}Relationship":
                targets[element.get("Id")] = element.get("Target")
    paths = {}
    with book.open("xl/workbook.xml") as part:
        for _event, element in iterparse(part):
            if element.tag == f"{MAIN}sheet":
                target = targets[element.get(f"{OFFICE_RELS}id")]
                paths[element.get("name")] = target.lstrip("/") if target.startswith("/") else normpath(
                    join(dirname("xl/workbook.xml"), target))
    return paths


def sheet_names(path) -> list[str]:
    with zipfile.ZipFile(path) as book:
        return list(_sheet_paths(book))


def _value(cell, strings: list[str]):
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(text.text or "" for text in cell.iter(f"{MAIN}t"))
    raw = cell.findtext(f"{MAIN}v")
    if raw is None:
        return ""
    return _typed(kind or "", raw, strings)


def _typed(kind: str, raw: str, strings: list[str]):
    """A cell's value from its type attribute and the text of its <v>."""
    if kind == "s":
        return strings[int(raw)]
    if kind in {"str", "e", "d"}:
        return raw
    if kind == "b":
        return raw == "1"
    if raw == "":
        return ""
    number = float(raw)
    return int(number) if number.is_integer() else number


# A row start (its reference first, as every writer puts it), or a cell: reference, other attributes, then an
# optional formula, and a value or an inline string. Possessive quantifiers: no backtracking inside a tag.
_TOKEN = re.compile(
    r'<row\sr="(\d+)"[^>/]*+(/?)>'
    r'|<c\sr="([A-Z]+)\d+"([^>/]*+)(?:/>|>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?'
    r'(?:<v>([^<]*+)</v>|<is><t(?:\s[^>]*)?>([^<]*+)</t></is>)?</c>)')
_CELL_START = re.compile(r"<c[\s>/]")
_ROW_START = re.compile(r"<row\b")
_TYPE = re.compile(r'\st="(\w+)"')
_PIECE = 1 << 20


def iter_rows(path, sheet: str | None = None, limits=None) -> Iterator[list]:
    """Each row of the sheet (the first when none is named) as a list of cell values, gaps filled with "". With
    `limits` (a fupin.core.files.guard.Limits) a cell beyond its columns or rows, or longer than its cells, is
    refused as it is read."""
    bounds = (limits.max_columns, limits.max_rows, limits.max_cell_chars) if limits is not None else _NO_LIMITS
    with zipfile.ZipFile(path) as book:
        part_name = sheet_part(book, sheet)
        strings = _shared_strings(book)
        if strings and max(map(len, strings)) > bounds[2]:
            longest = max(strings, key=len)
            raise FileError(_("The workbook holds a text of %(length)s characters; a cell holds at most "
                              "%(limit)s."), length=len(longest), limit=bounds[2])
        with book.open(part_name) as part:
            head = part.read(_PIECE)
        prefixed = re.search(rb"<\w+:sheetData\b", head) is not None
        with book.open(part_name) as part:
            rows = _parsed_rows(part, strings, bounds) if prefixed else _scanned_rows(part, strings, bounds)
            yield from _numbered(rows, bounds[1])


def _numbered(rows: Iterator[tuple[int | None, list]], max_rows: int = _NO_LIMITS[1]) -> Iterator[list]:
    """The rows in order, a row the file leaves out given as an empty row."""
    expected = 1
    for number, cells in rows:
        number = number or expected
        if number > max_rows:
            raise FileError(TOO_MANY_ROWS, rows=number, limit=max_rows)
        while expected < number:
            yield []
            expected += 1
        expected = number + 1
        yield cells


def _scanned_rows(part, strings: list[str], bounds=_NO_LIMITS) -> Iterator[tuple[int | None, list]]:
    decoder = codecs.getincrementaldecoder("utf-8")()
    buffer = ""
    while True:
        piece = part.read(_PIECE)
        buffer += decoder.decode(piece, final=not piece)
        end = buffer.rfind("</row>")
        if end >= 0:
            end += len("</row>")
            yield from _rows_of(buffer[:end], strings, bounds)
            buffer = buffer[end:]
        if not piece:
            break
    rest = buffer.split("</sheetData>")[0]
    if _ROW_START.search(rest):  # last rows written <row r="…"/>
        yield from _rows_of(rest, strings, bounds)


def _rows_of(text: str, strings: list[str], bounds=_NO_LIMITS) -> Iterator[tuple[int | None, list]]:
    tokens = _TOKEN.findall(text)
    starts = sum(1 for token in tokens if token[0])
    cells = len(tokens) - starts
    if starts != len(_ROW_START.findall(text)) or cells != len(_CELL_START.findall(text)):
        yield from _parsed_rows(io.StringIO(text[_ROW_START.search(text).start():]), strings, bounds, fragment=True)
        return
    max_columns, _max_rows, max_chars = bounds
    number, row = None, None
    for start, empty, column, attributes, value, inline in tokens:
        if start:
            if row is not None:
                if len(row) > max_columns:
                    _beyond_columns(number, len(row) - 1, max_columns)
                yield number, row
            number, row = int(start), []
            if empty:
                yield number, row
                row = None
            continue
        index = _COLUMNS.get(column)
        if index is None:
            index = _column_index(column)
            if index < _CACHED_COLUMNS:
                _COLUMNS[column] = index
        if index > len(row):
            if index >= max_columns:
                _beyond_columns(number, index, max_columns)
            row.extend([""] * (index - len(row)))
        if inline or 't="inlineStr"' in attributes:
            if len(inline) > max_chars:
                _too_long(number, len(inline), max_chars)
            row.append(html.unescape(inline) if "&" in inline else inline)
        else:
            if len(value) > max_chars:
                _too_long(number, len(value), max_chars)
            kind = _TYPE.search(attributes) if 't="' in attributes else None  # none: a number or an empty cell
            row.append(_typed(kind.group(1) if kind else "", html.unescape(value) if "&" in value else value,
                              strings))
    if row is not None:
        if len(row) > max_columns:
            _beyond_columns(number, len(row) - 1, max_columns)
        yield number, row


_COLUMNS: dict[str, int] = {}  # column letters → index, for the columns of Excel's sheets (a hostile file's
_CACHED_COLUMNS = 16_384  # letters beyond them are not remembered)


def _parsed_rows(part, strings: list[str], bounds=_NO_LIMITS,
                 fragment: bool = False) -> Iterator[tuple[int | None, list]]:
    """Rows read by ElementTree: any valid sheet, prefixed tags and rich text included."""
    if fragment:  # rows cut out of the sheet: given a root that declares the namespace
        text = part.read()
        source = io.StringIO(f'<sheetData xmlns="{MAIN[1:-1]}">{text}</sheetData>')
    else:
        source = part
    for _event, element in iterparse(source):
        if element.tag != f"{MAIN}row":
            continue
        number = element.get("r")
        cells: list = []
        max_columns, _max_rows, max_chars = bounds
        for cell in element.iter(f"{MAIN}c"):
            reference = cell.get("r")
            index = _column_index(reference) if reference else len(cells)
            if index >= max_columns:
                _beyond_columns(number, index, max_columns)
            cells.extend([""] * (index - len(cells)))
            value = _value(cell, strings)
            if type(value) is str and len(value) > max_chars:
                _too_long(number, len(value), max_chars)
            cells.append(value)
        element.clear()
        yield (int(number) if number else None), cells
