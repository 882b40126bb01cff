import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from fupin.areas import services
from fupin.areas.models import AreaDesignation, AreaYear
from fupin.audit.models import AuditEvent
from fupin.core.files.tabular import csv_text
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db

DESIGNATIONS_HEADER = ["行政区划代码", "类型", "年度", "退出年度"]


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def write(tmp_path, rows, name="file.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(csv_text(rows).encode(encoding))
    return path


def errors_of(report):
    return [(e["row"], e["column"], e["message_zh"], e["message_en"]) for e in report.as_dict()["errors"]]


def test_designations_import_and_reimport(tmp_path):
    path = write(tmp_path, [DESIGNATIONS_HEADER,
                            ["533301", "贫困县", "2014", "2018"],
                            ["533323000000", "deep_poverty_county", "2017", ""],
                            ["533301102201", "貧困村", "2014", "2019"]])
    report = services.designations_import(actor=system_user(), path=path)
    assert (report.rows, report.created, report.updated, report.unchanged, report.errors) == (3, 3, 0, 0, [])
    assert AreaDesignation.objects.get(area_id="533301000000").exit_year == 2018
    again = services.designations_import(actor=system_user(), path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert AuditEvent.objects.filter(action="areas.designations_imported").count() == 2


def test_bad_designation_rows_are_each_explained_and_nothing_is_written(tmp_path):
    importer = make_user(actions=["view", "import"], area="533300000000")
    path = write(tmp_path, [["省级填报表"], DESIGNATIONS_HEADER,
                            ["533301", "贫困县", "2014", ""],
                            ["5333019", "贫困县", "2014", ""],
                            ["533399", "贫困县", "2014", ""],
                            ["441900", "贫困县", "2014", ""],
                            ["533323", "示范县", "2014", ""],
                            ["533323", "贫困县", "二〇一四", ""],
                            ["533323", "贫困县", "2018", "2016"],
                            ["533301102201", "贫困县", "2014", ""],
                            ["533301", "贫困县", "2014", "2020"]])
    report = services.designations_import(actor=importer, path=path)
    assert errors_of(report) == [
        (4, "行政区划代码", "“5333019”不是 2、4、6、9 或 12 位的区划代码。",
         "“5333019” is not a division code of 2, 4, 6, 9 or 12 digits."),
        (5, "行政区划代码", "没有代码为 533399000000 的区划。", "No area has the code 533399000000."),
        (6, "行政区划代码", "东莞市 (441900000000) 不在授予您的区域内。",
         "东莞市 (441900000000) is outside the areas granted to you."),
        (7, "类型", "未知的认定类型“示范县”。", "Unknown designation type “示范县”."),
        (8, "年度", "“二〇一四”不是整数。", "“二〇一四” is not a whole number."),
        (9, "退出年度", "退出年度不能早于认定年度。", "The exit year cannot be before the year of designation."),
        (10, "类型", "此认定不适用于该级别的区划。", "This designation does not apply to an area of this level."),
        (11, "行政区划代码", "同一认定已在第 3 行给出。", "The same designation is given again in row 3."),
    ]
    assert report.rejected == 8
    assert not report.written
    assert not AreaDesignation.objects.exists()
    assert not AuditEvent.objects.filter(action="areas.designations_imported").exists()


def test_skip_invalid_writes_the_valid_rows_and_dry_run_writes_nothing(tmp_path):
    path = write(tmp_path, [DESIGNATIONS_HEADER, ["533301", "贫困县", "2014", ""], ["999999", "贫困县", "2014", ""]])
    dry = services.designations_import(actor=system_user(), path=path, dry_run=True, skip_invalid=True)
    assert (dry.rejected, dry.written) == (1, False)
    assert not AreaDesignation.objects.exists()
    report = services.designations_import(actor=system_user(), path=path, skip_invalid=True)
    assert (report.created, report.rejected, report.written) == (1, 1, True)


def test_population_import_in_gb18030_with_english_headers(tmp_path):
    path = write(tmp_path, [["code", "year", "rural population", "households"],
                            ["533301102201", "2014", "1204", "311"],
                            ["533301102202", "2014", "986", ""]], encoding="gb18030")
    report = services.population_import(actor=system_user(), path=path)
    assert (report.created, report.errors) == (2, [])
    assert AreaYear.objects.get(area_id="533301102202").households is None


def test_population_import_with_traditional_headers_in_gb18030(tmp_path):
    path = write(tmp_path, [["行政區劃代碼", "年度", "鄉村人口", "戶數"], ["533301102201", "2015", "1190", "305"]],
                 encoding="gb18030")
    report = services.population_import(actor=system_user(), path=path)
    assert (report.created, report.errors) == (1, [])


def test_population_rows_with_bad_values(tmp_path):
    path = write(tmp_path, [["行政区划代码", "年度", "乡村人口", "户数"],
                            ["533301102201", "2014", "-5", ""],
                            ["533301102201", "2014", "100", "150"],
                            ["533301102202", "", "100", ""],
                            ["533301102202", "2014", "100.5", ""]])
    report = services.population_import(actor=system_user(), path=path)
    assert [(e[0], e[1], e[3]) for e in errors_of(report)] == [
        (2, "乡村人口", "-5 is less than 0."),
        (3, "户数", "There are more households than people."),
        (4, "年度", "A value is required."),
        (5, "乡村人口", "“100.5” is not a whole number."),
    ]


def test_missing_columns_are_reported_for_the_file(tmp_path):
    from fupin.core.files.reports import FileError

    path = write(tmp_path, [["行政区划代码", "年度"], ["533301", "2014"]])
    with pytest.raises(FileError, match="乡村人口"):
        services.population_import(actor=system_user(), path=path)


def test_cli_import_population_json_and_exit_status(tmp_path, capsys):
    good = write(tmp_path, [["行政区划代码", "年度", "乡村人口", "户数"], ["533301102201", "2014", "1204", "311"]])
    call_command("import", "population", str(good), "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert {k: summary[k] for k in ("rows", "created", "rejected", "written")} == {
        "rows": 1, "created": 1, "rejected": 0, "written": True}
    bad = write(tmp_path, [["行政区划代码", "年度", "乡村人口"], ["000000", "2014", "1"]], name="bad.csv")
    with pytest.raises(CommandError, match="1 row"):
        call_command("import", "population", str(bad), "--format", "json")
    output = json.loads(capsys.readouterr().out)
    assert output["errors"][0]["row"] == 2 and output["errors"][0]["column"] == "行政区划代码"


def test_cli_designate(tmp_path, capsys):
    path = write(tmp_path, [["code", "designation", "year", "exit year"], ["5333", "sanqu_sanzhou", "2017", ""]])
    call_command("areas", "designate", str(path), "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 1


def test_population_import_runs_as_a_background_job(tmp_path, django_capture_on_commit_callbacks):
    from fupin.jobs.models import JobStatus
    from fupin.jobs.services import job_submit

    path = write(tmp_path, [["行政区划代码", "年度", "乡村人口"], ["533301102201", "2014", "1204"], ["1", "2014", "9"]])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(actor=system_user(), kind="areas.population",
                         params={"path": str(path), "skip_invalid": True})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert (job.result["created"], job.result["rejected"], job.result["errors"][0]["row"]) == (1, 1, 3)


def test_population_import_takes_collective_income(tmp_path):
    path = write(tmp_path, [["行政区划代码", "年度", "乡村人口", "村集体经济收入"],
                            ["533301102201", "2019", "1200", "52,000.50"], ["533301102202", "2019", "900", "-3"]])
    report = services.population_import(actor=system_user(), path=path, skip_invalid=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, "村集体经济收入")]
    assert str(AreaYear.objects.get(area_id="533301102201").collective_income) == "52000.50"
