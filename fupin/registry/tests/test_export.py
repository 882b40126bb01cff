import json
import zipfile

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from fupin.audit.models import AuditEvent
from fupin.core.files.workbooks import SheetWriter
from fupin.registry.exporting import HEADERS, headers
from fupin.registry.importing import households_import
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def registry():
    load_fixture_divisions()
    first = register_poor_household(area="533301102201", size=3, income_per_capita="3000")
    first.years.update(housing_secure=False)
    register_poor_household(area="533323101201", size=1, income_per_capita="5000", status="1")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_reimports_to_the_same_registry(tmp_path, capsys, suffix):
    path = tmp_path / f"export{suffix}"
    call_command("export", "households", "--year", "2019", "-o", str(path), "--format", "json")
    assert json.loads(capsys.readouterr().out) == {"rows": 4, "file": str(path)}
    report = households_import(actor=system_user(), path=path)
    assert report.as_dict() == {"rows": 4, "households_created": 0, "households_updated": 0, "members_created": 0,
                                "members_updated": 0, "rejected": 0, "errors": [], "dry_run": False,
                                "written": True}


def test_export_is_scoped_and_masked_for_plain_users(tmp_path):
    path = tmp_path / "export.xlsx"
    make_user(username="clerk", actions=["view", "export"], area="533301000000")
    call_command("export", "households", "--year", "2019", "-o", str(path), "--user", "clerk")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0] == HEADERS
    assert len(sheet) == 4 and {row[0] for row in sheet[1:]} == {"533301102201"}
    ids = [row[4] for row in sheet[1:]]
    assert all("********" in value for value in ids) and id_number("533301", "19600101", "808") not in ids
    assert AuditEvent.objects.get(action="registry.exported").after == {"year": 2019, "rows": 3, "unmasked": False}


def test_large_exports_split_across_sheets(tmp_path):
    path = tmp_path / "big.xlsx"
    writer = SheetWriter(path, ["a"], title="数据", max_rows=3)  # two data rows per sheet here
    for n in range(5):
        writer.write([n])
    writer.close()
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["数据", "数据2", "数据3"]
    assert [book.get_sheet_by_index(i).to_python() for i in range(3)] == [[["a"], [0], [1]], [["a"], [2], [3]],
                                                                         [["a"], [4]]]


def test_template_has_drop_downs(tmp_path):
    path = tmp_path / "template.xlsx"
    call_command("template", "households", "-o", str(path))
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert sheet.count("<dataValidation ") == 43  # every code list (17 columns) and yes/no column (26)
    lists = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("代码表").to_python()
    assert lists[0][:3] == ["性别", "与户主关系", "民族"] and lists[1][0] == "男"


@pytest.mark.parametrize("language, first", [("en", "Division code"), ("zh-hant", None)])
def test_the_cli_writes_headers_in_the_language_asked_and_the_import_reads_them(tmp_path, language, first):
    path = tmp_path / f"export-{language}.xlsx"
    call_command("export", "households", "--year", "2019", "-o", str(path), "--language", language)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0] == headers(language) != headers("zh-hans")
    assert first is None or sheet[0][0] == first
    report = households_import(actor=system_user(), path=path)
    assert report.as_dict()["members_created"] == 0 and not report.errors
