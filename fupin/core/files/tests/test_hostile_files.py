"""Hostile files given to an import end in a clear, translated error, in bounded time and memory, and write
nothing (fupin.core.files.guard): empty, garbage, truncated, zip bombs, 16,384 columns, a cell at XFD1048576, a 10 MB
cell, NUL bytes, mixed encodings, an ODS cell repeated a billion times, an .xls with cells in its corners.

The files that made a reader allocate hundreds of GiB are read in a subprocess limited to 1 GiB of address
space: without the guard calamine aborts the process (exit 134), with it the process reports the error."""

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.functional import Promise

from fupin.audit.models import AuditEvent
from fupin.core.files.reports import FileError
from fupin.core.files.tabular import csv_text, open_table
from fupin.registry.importing import columns, households_import
from fupin.registry.models import Household, HouseholdYear, Member
from fupin.testing.factories import id_number, load_fixture_divisions, system_user

from . import hostile

REPOSITORY = Path(__file__).resolve().parents[4]
NOT_VALID = "The file is not a valid {kind} file: it may be damaged, cut short, or another kind of file renamed."
ZIP_BOMB = "The workbook unpacks to more than {limit} MB; it is refused as a possible zip bomb."
COLUMNS = ("The sheet declares {columns} columns; an import reads at most 1000. Delete the empty columns on the "
           "right and save the file again.")
BEYOND = "Cell {cell} lies in column {column}; an import reads at most 1000 columns."
TOO_LARGE = ("The workbook's sheets span {cells} cells, more than an import loads at once (16000000); save it as "
             ".xlsx, which is read row by row, or delete the empty rows and columns.")
ROW = [["533301102201", "H001", "2019", "张三", id_number(sequence="011"), "户主"]]


def _half_of_a_workbook(path: Path) -> None:
    whole = path.with_name("whole.xlsx")
    book = xlsxwriter.Workbook(str(whole))
    book.add_worksheet("家庭成员").write_row(0, 0, hostile.HEADER)
    book.close()
    data = whole.read_bytes()
    path.write_bytes(data[:len(data) // 2])


def _columns_16384(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("家庭成员")
    sheet.write_row(0, 0, hostile.HEADER)
    for column in range(len(hostile.HEADER), 16_384):
        sheet.write_string(0, column, "列")
    book.close()


def _long_xlsx_cell(path: Path) -> None:
    rows = hostile.header_row() + '<row r="2">' + hostile.cell("A2", "长" * 40_000) + "</row>"
    hostile.xlsx(path, hostile.sheet_xml(rows, "A1:F2"))


# name, how the file is made, the English message
CASES = {
    "empty.xlsx": (lambda p: p.write_bytes(b""), "The file is empty."),
    "empty.csv": (lambda p: p.write_bytes(b""), "The file is empty."),
    "garbage.xlsx": (lambda p: p.write_bytes(bytes(range(256)) * 12), NOT_VALID.format(kind=".xlsx")),
    "garbage.ods": (lambda p: p.write_bytes(b"PK" + b"\x07" * 3000), NOT_VALID.format(kind=".ods")),
    "garbage.xls": (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0" * 300), NOT_VALID.format(kind=".xls")),
    "truncated.xlsx": (_half_of_a_workbook, NOT_VALID.format(kind=".xlsx")),
    "bomb.xlsx": (hostile.zip_bomb, ZIP_BOMB.format(limit=4096)),
    "lying-sizes.xlsx": (hostile.lying_xlsx, NOT_VALID.format(kind=".xlsx")),
    "columns-16384.xlsx": (_columns_16384, COLUMNS.format(columns=16384)),
    "xfd1048576.xlsx": (lambda p: hostile.xlsx(p, hostile.sheet_xml(
        '<row r="1048576">' + hostile.cell("XFD1048576", "x") + "</row>")), BEYOND.format(cell="XFD1048576",
                                                                                          column=16384)),
    "a1-and-xfd1048576.xlsx": (lambda p: hostile.xlsx(p, hostile.sheet_xml(
        hostile.header_row() + '<row r="1048576">' + hostile.cell("XFD1048576", "x") + "</row>", "A1:F1")),
                               BEYOND.format(cell="XFD1048576", column=16384)),
    "zzzzzzz.xlsx": (lambda p: hostile.xlsx(p, hostile.sheet_xml(
        '<row r="1">' + hostile.cell("A1", "姓名") + hostile.cell("ZZZZZZZ1", "x") + "</row>")),
                     BEYOND.format(cell="ZZZZZZZ1", column=8353082582)),
    "declared-huge.xlsx": (lambda p: hostile.xlsx(p, hostile.sheet_xml(hostile.header_row(), "A1:XFD1048576")),
                           COLUMNS.format(columns=16384)),
    # calamine would place the cell by its second reference; the streaming reader, by its first: a row rejected.
    "second-reference.xlsx": (lambda p: hostile.xlsx(p, hostile.sheet_xml(
        hostile.header_row() + '<row r="2"><c r="A2" r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        "A1:F2")), "1 row(s) rejected; nothing was written."),
    "long-cell.xlsx": (_long_xlsx_cell, "Row 2 has a cell of 40000 characters; a cell holds at most 32767."),
    "columns-repeated.ods": (lambda p: hostile.ods(p, hostile.ods_header() + "<table:table-row>"
                                                  + hostile.ods_cell("x", 1_000_000_000) + "</table:table-row>"),
                             COLUMNS.format(columns=1_000_000_000)),
    "rows-repeated.ods": (lambda p: hostile.ods(p, hostile.ods_header()
                                                + '<table:table-row table:number-rows-repeated="1000000">'
                                                + hostile.ods_cell("x", 900) + "</table:table-row>"),
                          TOO_LARGE.format(cells=900_000_900)),
    "corners.xls": (lambda p: hostile.xls(p, [(0, 0), (65535, 255)]), TOO_LARGE.format(cells=16_777_216)),
    "wide.xls": (lambda p: hostile.xls(p, [(0, 0), (0, 60_000)]), COLUMNS.format(columns=60001)),
    "ten-megabyte-cell.csv": (lambda p: p.write_text(csv_text([hostile.HEADER, ["x" * 10 * 2**20]])),
                              "Line 2 has a cell longer than 32767 characters, the most a cell holds."),
    "long-cell.csv": (lambda p: p.write_text(csv_text([hostile.HEADER, ["x" * 40_000]])),
                      "Row 2 has a cell of 40000 characters; a cell holds at most 32767."),
    "nul-bytes.csv": (lambda p: p.write_bytes(csv_text([hostile.HEADER]).encode() + b"533301\x00102201,H1\n"),
                      "Line 2 holds NUL bytes: the file is not a text CSV file (Excel's “Unicode text” is UTF-16: "
                      "save it as “CSV UTF-8” instead)."),
    "utf16.csv": (lambda p: p.write_bytes(csv_text([hostile.HEADER]).encode("utf-16")),
                  "Line 1 holds NUL bytes: the file is not a text CSV file (Excel's “Unicode text” is UTF-16: "
                  "save it as “CSV UTF-8” instead)."),
    "mixed-encodings.csv": (lambda p: p.write_bytes(csv_text([hostile.HEADER]).encode("gb18030")
                                                    + csv_text(ROW).encode("utf-8")),
                            "The file mixes text encodings: line 2 is UTF-8 and line 1 is not. Save it again in one "
                            "encoding (CSV UTF-8)."),
    "not-gb18030.csv": (lambda p: p.write_bytes(csv_text([hostile.HEADER]).encode("gb18030") + b"\x81\x20,x\n"),
                        "Line 2 is not text in the file's encoding (gb18030): save it again as CSV UTF-8."),
    "wide.csv": (lambda p: p.write_text(csv_text([hostile.HEADER + ["x"] * 2000])),
                 "Line 1 has 2006 columns; an import reads at most 1000."),
}
# The files that ask a reader for more memory than the machine has: read again in a subprocess limited to 1 GiB.
MEMORY_CASES = ["bomb.xlsx", "lying-sizes.xlsx", "xfd1048576.xlsx", "a1-and-xfd1048576.xlsx", "zzzzzzz.xlsx",
                "second-reference.xlsx", "declared-huge.xlsx", "columns-repeated.ods", "rows-repeated.ods",
                "corners.xls"]


@pytest.fixture
def divisions(db):
    load_fixture_divisions()


def make(tmp_path, name: str) -> Path:
    path = tmp_path / name
    CASES[name][0](path)
    return path


def _nothing_written(events_before: int) -> None:
    assert (Household.objects.count(), Member.objects.count(), HouseholdYear.objects.count()) == (0, 0, 0)
    assert AuditEvent.objects.count() == events_before


@pytest.mark.parametrize("name", list(CASES))
def test_the_import_command_refuses_the_file_with_a_clear_message(name, tmp_path, divisions):
    path = make(tmp_path, name)
    events = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import", "households", str(path), "--year", "2019")
    assert str(raised.value) == CASES[name][1]
    _nothing_written(events)


@pytest.mark.parametrize("name", ["a1-and-xfd1048576.xlsx", "bomb.xlsx", "columns-repeated.ods", "corners.xls",
                                  "nul-bytes.csv"])
def test_the_message_is_translated_when_shown(name, tmp_path, divisions):
    """The error carries its message untranslated and its parameters, so each user reads it in their language."""
    path = make(tmp_path, name)
    with pytest.raises(FileError) as raised:
        households_import(actor=system_user(), path=path, year=2019)
    assert isinstance(raised.value.message, Promise)  # translated when shown, in the reader's language
    with translation.override("en"):
        assert str(raised.value) == CASES[name][1]


def test_a_large_file_read_in_a_worker_process_reports_the_error(tmp_path, divisions, settings):
    """Above FUPIN_IMPORT_WORKER_ABOVE_BYTES a worker process reads the file: it reports the refusal (it used to
    die, leaving the job running), and the importing process raises it."""
    settings.FUPIN_IMPORT_WORKER_ABOVE_BYTES = 0
    path = make(tmp_path, "a1-and-xfd1048576.xlsx")
    events = AuditEvent.objects.count()
    with pytest.raises(FileError) as raised:
        households_import(actor=system_user(), path=path, year=2019)
    with translation.override("en"):
        assert str(raised.value) == CASES["a1-and-xfd1048576.xlsx"][1]
    _nothing_written(events)


def test_an_uploaded_hostile_file_fails_its_job_with_the_message(tmp_path, divisions,
                                                                  django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from fupin.jobs.models import Job
    from fupin.testing.factories import make_user

    path = make(tmp_path, "a1-and-xfd1048576.xlsx")
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change", "import"], area="533301000000"))
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/households/", {
            "file": SimpleUploadedFile("h.xlsx", path.read_bytes()), "year": "2019"}, format="multipart")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "failed"
    # The job keeps its error in the project's language (the worker has no request language).
    assert "单元格 XFD1048576 位于第 16384 列，导入最多读取 1000 列。" in job.error
    assert Household.objects.count() == 0


_READ_LIMITED = textwrap.dedent("""
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
    import django
    django.setup()
    from django.utils import translation
    from fupin.core.files.reports import FileError
    from fupin.core.files.tabular import open_table
    from fupin.registry.importing import columns
    for path in sys.argv[1:]:
        try:
            open_table(path, columns())
        except FileError as error:
            with translation.override("en"):
                print(error)
        else:
            print("read")
""")


def _run_limited(script: str, paths: list[Path]) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "MALLOC_ARENA_MAX": "2",
                   "PYTHONPATH": str(REPOSITORY)}
    return subprocess.run([sys.executable, "-c", script, *map(str, paths)], capture_output=True, text=True,
                          env=environment, timeout=120, cwd=REPOSITORY)


def test_hostile_files_are_refused_within_a_gigabyte(tmp_path):
    """Each file is refused in a process that may not use more than 1 GiB of address space, which survives."""
    paths = [make(tmp_path, name) for name in MEMORY_CASES]
    finished = _run_limited(_READ_LIMITED, paths)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.splitlines() == [
        "read" if name == "second-reference.xlsx" else CASES[name][1] for name in MEMORY_CASES]


def test_without_the_guard_calamine_aborts_on_the_same_file(tmp_path):
    """The reason for the guard, reproduced: calamine asked for A1 and XFD1048576 allocates a 16,384 × 1,048,576
    grid (512 GiB) and the process aborts — no exception a worker could report."""
    path = make(tmp_path, "a1-and-xfd1048576.xlsx")
    script = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
        from python_calamine import CalamineWorkbook
        CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0)
        print("loaded")
    """)
    finished = _run_limited(script, [path])
    assert finished.returncode != 0 and "loaded" not in finished.stdout


def test_ordinary_files_still_read(tmp_path, divisions):
    """The guard passes the files spreadsheet programs write: xlsxwriter's (shared or inline strings), the
    LibreOffice .ods and .xls fixtures, a GB18030 CSV."""
    for name, options in (("shared.xlsx", {}), ("inline.xlsx", {"constant_memory": True})):
        book = xlsxwriter.Workbook(str(tmp_path / name), options)
        sheet = book.add_worksheet("家庭成员")
        sheet.write_row(0, 0, hostile.HEADER)
        sheet.write_row(1, 0, ROW[0])
        book.close()
        table = open_table(tmp_path / name, columns())
        assert [values["name"] for _number, values in table.records()] == ["张三"]
    for name in ("households.xls", "households.ods"):
        table = open_table(REPOSITORY / "tests" / "fixtures" / "imports" / name, columns())
        assert len(list(table.records())) == 3
    path = tmp_path / "gbk.csv"
    path.write_bytes(csv_text([hostile.HEADER, *ROW]).encode("gb18030"))
    assert [values["name"] for _number, values in open_table(path, columns()).records()] == ["张三"]


def test_sheets_beyond_calamines_budget_are_streamed_not_refused(tmp_path, settings):
    """A sheet larger than calamine may load at once (FUPIN_IMPORT_MAX_LOADED_CELLS) is an ordinary large sheet:
    it is read row by row, not refused."""
    settings.FUPIN_IMPORT_MAX_LOADED_CELLS = 10
    path = tmp_path / "large.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("家庭成员")
    sheet.write_row(0, 0, hostile.HEADER)
    for row in range(1, 4):
        sheet.write_row(row, 0, [*ROW[0][:3], f"成员{row}", *ROW[0][4:]])
    book.close()
    table = open_table(path, columns())
    assert [values["name"] for _number, values in table.records()] == ["成员1", "成员2", "成员3"]


def test_the_limits_are_settings(tmp_path, settings):
    settings.FUPIN_IMPORT_MAX_COLUMNS = 5
    path = tmp_path / "six.csv"
    path.write_text(csv_text([hostile.HEADER]))
    with translation.override("en"), pytest.raises(FileError, match="Line 1 has 6 columns; an import reads at most 5"):
        open_table(path, columns())
    settings.FUPIN_IMPORT_MAX_COLUMNS = 1000
    settings.FUPIN_IMPORT_MAX_UNPACKED_BYTES = 2**20
    big = tmp_path / "big.xlsx"
    hostile.xlsx(big, hostile.sheet_xml(hostile.header_row() + " " * (2 * 2**20), "A1:F1"))
    with translation.override("en"), pytest.raises(FileError, match="unpacks to more than 1 MB"):
        open_table(big, columns())


def test_the_memory_limit_of_the_subprocess_is_real():
    """The subprocess limit the tests rely on refuses an allocation beyond it."""
    finished = _run_limited("import resource\nresource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))\n"
                            "bytearray(2**31)", [])
    assert finished.returncode != 0 and "MemoryError" in finished.stderr
    assert resource.RLIMIT_AS  # the platform has the limit
