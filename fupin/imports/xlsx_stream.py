"""Reading .xlsx rows one at a time in bounded memory.

calamine (used for .xls and .ods) loads a whole sheet before the first row comes back: 2 GiB for a million-row
national workbook. An .xlsx is a zip of XML parts; this reader walks the sheet's XML with `iterparse`, clearing
each row once it is read, so only the shared-strings table (each distinct text once) stays in memory.
"""

import re
import zipfile
from collections.abc import Iterator
from posixpath import dirname, join, normpath
from xml.etree.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)")


def _column_index(reference: str) -> int:
    letters = CELL_REF.match(reference).group(1)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    strings = []
    with book.open("xl/sharedStrings.xml") as part:
        for _event, element in iterparse(part):
            if element.tag == f"{MAIN}si":
                strings.append("".join(text.text or "" for text in element.iter(f"{MAIN}t")))
                element.clear()
    return strings


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
    if kind == "s":
        return strings[int(raw)]
    if kind in {"str", "e"}:
        return raw
    if kind == "b":
        return raw == "1"
    number = float(raw)
    return int(number) if number.is_integer() else number


def iter_rows(path, sheet: str | None = None) -> Iterator[list]:
    """Each row of the sheet (the first when none is named) as a list of cell values, gaps filled with ""."""
    with zipfile.ZipFile(path) as book:
        paths = _sheet_paths(book)
        part_name = paths[sheet] if sheet else next(iter(paths.values()))
        strings = _shared_strings(book)
        expected = 1
        with book.open(part_name) as part:
            for _event, element in iterparse(part):
                if element.tag != f"{MAIN}row":
                    continue
                number = int(element.get("r", expected))
                while expected < number:  # rows the file leaves out are empty rows
                    yield []
                    expected += 1
                cells: list = []
                for cell in element.iter(f"{MAIN}c"):
                    reference = cell.get("r")
                    index = _column_index(reference) if reference else len(cells)
                    cells.extend([""] * (index - len(cells)))
                    cells.append(_value(cell, strings))
                element.clear()
                expected = number + 1
                yield cells
