"""Import summaries tell the truth: an import that wrote nothing — an all-or-nothing file with a rejected row, or a
dry run — reports every created/updated count as 0 and `"written": false`; a dry run gives its would-be counts
under `would_write`; a kept import says `"written": true`. The same for the household import, the record imports,
the area and the policy imports, from the CLI and from a background job."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from fupin.areas import services as area_services
from fupin.areas.models import AreaDesignation
from fupin.assistance.models import Plan
from fupin.audit.models import AuditEvent
from fupin.core.files.reports import ImportReport, import_summary
from fupin.core.files.tabular import csv_text
from fupin.jobs.models import Job
from fupin.registry.models import Household, Member
from fupin.rules.models import PovertyLine
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_user,
    member_data,
    register_household,
    system_user,
    write_csv,
)

pytestmark = pytest.mark.django_db

HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "贫困户属性", "主要致贫原因"]
V1, V2 = "533301102201", "533301102202"
NOTHING_WRITTEN = {"households_created": 0, "households_updated": 0, "members_created": 0, "members_updated": 0}


def household_rows(bad: bool = False) -> list[list[str]]:
    """Two households, H001 (two members) and H002 (one); with `bad`, a third whose ID number is wrong."""
    rows = [[V1, "H001", "2019", "张三", id_number(sequence="011"), "户主", "一般贫困户", "缺技术"],
            [V1, "H001", "2019", "李四", id_number(birth="19820304", sequence="022"), "配偶", "", ""],
            [V2, "H002", "2019", "和梅", id_number(birth="19700101", sequence="044"), "户主", "低保贫困户", "因病"]]
    if bad:
        rows.append([V2, "H003", "2019", "错号", "533301198001010011", "户主", "一般贫困户", "缺技术"])
    return [HEADER, *rows]


def households_file(tmp_path, bad: bool = False):
    path = tmp_path / "households.csv"
    path.write_bytes(csv_text(household_rows(bad)).encode("utf-8"))
    return path


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def run_json(capsys, *args) -> dict:
    call_command(*args, "--format", "json")
    return json.loads(capsys.readouterr().out)


def test_the_summary_rule():
    counts = {"created": 3, "updated": 1, "unchanged": 2}
    assert import_summary(rows=7, counts=counts, rejected=1, dry_run=False, written=False) == {
        "rows": 7, "created": 0, "updated": 0, "unchanged": 0, "rejected": 1, "dry_run": False, "written": False}
    assert import_summary(rows=7, counts=counts, rejected=1, dry_run=True, written=False) == {
        "rows": 7, "created": 0, "updated": 0, "unchanged": 0, "rejected": 1, "dry_run": True, "written": False,
        "would_write": {"created": 3, "updated": 1, "unchanged": 2}}
    assert import_summary(rows=7, counts=counts, rejected=1, dry_run=False, written=True) == {
        "rows": 7, "created": 3, "updated": 1, "unchanged": 2, "rejected": 1, "dry_run": False, "written": True}
    report = ImportReport(rows=2, created=2)  # counted, but never kept
    assert report.as_dict()["created"] == 0


def test_a_rejected_household_import_says_nothing_was_written(tmp_path, capsys):
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "households", str(households_file(tmp_path, bad=True)), "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert {key: summary[key] for key in [*NOTHING_WRITTEN, "rows", "rejected", "dry_run", "written"]} == {
        **NOTHING_WRITTEN, "rows": 4, "rejected": 1, "dry_run": False, "written": False}
    assert "would_write" not in summary
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [(5, "证件号码")]
    assert (Household.objects.count(), Member.objects.count()) == (0, 0)


def test_a_household_dry_run_gives_its_would_be_counts_apart(tmp_path, capsys):
    summary = run_json(capsys, "import", "households", str(households_file(tmp_path)), "--dry-run")
    assert summary == {"rows": 3, **NOTHING_WRITTEN, "rejected": 0, "dry_run": True, "written": False,
                       "would_write": {"households_created": 2, "households_updated": 0, "members_created": 3,
                                       "members_updated": 0},
                       "errors": []}
    assert Household.objects.count() == 0


def test_a_kept_household_import_says_written(tmp_path, capsys):
    summary = run_json(capsys, "import", "households", str(households_file(tmp_path)))
    assert summary == {"rows": 3, "households_created": 2, "households_updated": 0, "members_created": 3,
                       "members_updated": 0, "rejected": 0, "dry_run": False, "written": True, "errors": []}
    assert (Household.objects.count(), Member.objects.count()) == (2, 3)


def test_the_household_jobs_result_agrees_with_the_cli(django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(make_user(actions=["view", "change", "import"], area="533301000000"))

    def job_result(rows, **options):
        upload = SimpleUploadedFile("h.csv", csv_text(rows).encode("utf-8"), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/imports/households/", {"file": upload, **options}, format="multipart")
        assert response.status_code == 202, response.content
        job = Job.objects.get(pk=response.json()["id"])
        assert job.status == "succeeded", job.error
        return job.result

    rejected = job_result(household_rows(bad=True))
    assert {key: rejected[key] for key in [*NOTHING_WRITTEN, "rejected", "written"]} == {
        **NOTHING_WRITTEN, "rejected": 1, "written": False}
    dry = job_result(household_rows(), dry_run="true")
    assert {key: dry[key] for key in [*NOTHING_WRITTEN, "dry_run", "written", "would_write"]} == {
        **NOTHING_WRITTEN, "dry_run": True, "written": False,
        "would_write": {"households_created": 2, "households_updated": 0, "members_created": 3,
                        "members_updated": 0}}
    assert Household.objects.count() == 0
    kept = job_result(household_rows())
    assert (kept["households_created"], kept["members_created"], kept["written"]) == (2, 3, True)


@pytest.fixture
def households():
    """Two households with fixed numbers (a generated number may end in zeros, which the import questions)."""
    first = register_household(area=V1, number=f"{V1}071", members=[
        member_data(name="甲", id_number=id_number(birth="19700101", sequence="301")),
        member_data(name="乙", id_number=id_number(birth="19720101", sequence="402"), relation="配偶")])
    second = register_household(area=V2, number=f"{V2}072", members=[
        member_data(name="丙", id_number=id_number(birth="19650101", sequence="503"))])
    return first.household, second.household


def test_a_rejected_record_import_says_nothing_was_written(tmp_path, households, capsys):
    first, second = households
    plans = write_csv(tmp_path, "plans.csv", [
        ["户编号", "年度", "致贫原因", "帮扶成效"],
        [first.number, "2019", "缺技术、因病", ""],
        [second.number, "2019", "", "帮扶中"],
        [second.number, "2020", "因懒", ""],  # no such cause
    ])
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "plans", str(plans), "--format", "json")
    assert json.loads(capsys.readouterr().out) | {"errors": []} == {
        "rows": 3, "created": 0, "updated": 0, "unchanged": 0, "rejected": 1, "dry_run": False, "written": False,
        "errors": []}
    assert Plan.objects.count() == 0

    with pytest.raises(CommandError, match="nothing was written"):  # rows were rejected: a dry run says so too
        call_command("import", "plans", str(plans), "--dry-run", "--format", "json")
    dry = json.loads(capsys.readouterr().out)
    assert (dry["created"], dry["written"], dry["would_write"]) == (
        0, False, {"created": 2, "updated": 0, "unchanged": 0})  # what --skip-invalid would write
    assert Plan.objects.count() == 0

    kept = run_json(capsys, "import", "plans", str(plans), "--skip-invalid")
    assert (kept["created"], kept["rejected"], kept["written"]) == (2, 1, True)
    assert "would_write" not in kept
    assert Plan.objects.count() == 2


def test_a_plain_record_dry_run_counts_what_it_would_write(tmp_path, households, capsys):
    """Delivered measures are written without a service (the plain upsert path): a dry run makes the writes and rolls
    them back, so its counts are exactly a real run's, and leaves no record and no audit event."""
    from fupin.assistance.models import DeliveredMeasure

    first, _second = households
    path = write_csv(tmp_path, "measures.csv", [
        ["户编号", "帮扶措施", "落实日期", "金额"],
        [first.number, "产业扶贫", "2019-05-01", "2000"],
        [first.number, "health", "2019-06-01", ""],
    ])
    events = AuditEvent.objects.count()
    dry = run_json(capsys, "import", "measures", str(path), "--dry-run")
    assert (dry["created"], dry["written"], dry["would_write"]) == (
        0, False, {"created": 2, "updated": 0, "unchanged": 0})
    assert (DeliveredMeasure.objects.count(), AuditEvent.objects.count()) == (0, events)
    kept = run_json(capsys, "import", "measures", str(path))
    assert (kept["created"], kept["written"]) == (2, True)
    again = run_json(capsys, "import", "measures", str(path), "--dry-run")
    assert again["would_write"] == {"created": 0, "updated": 0, "unchanged": 2}


def test_area_and_policy_dry_runs_count_what_they_would_write(tmp_path, capsys):
    """Imports outside the record engine share its rule through fupin.core.files.reports.import_writes."""
    designations = write_csv(tmp_path, "designations.csv", [
        ["行政区划代码", "类型", "年度", "退出年度"], ["533301", "贫困县", "2014", "2018"],
        ["533301102201", "贫困村", "2014", "2019"]])
    dry = run_json(capsys, "areas", "designate", str(designations), "--dry-run")
    assert dry == {"rows": 2, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0, "dry_run": True,
                   "written": False, "would_write": {"created": 2, "updated": 0, "unchanged": 0}, "errors": []}
    assert AreaDesignation.objects.count() == 0
    report = area_services.designations_import(actor=system_user(), path=designations)
    assert (report.as_dict()["created"], report.written, AreaDesignation.objects.count()) == (2, True, 2)
    policy = write_csv(tmp_path, "policy.csv", [
        ["kind", "code", "year", "province_code", "value", "certainty", "source"],
        ["poverty_line", "working", "2019", "", "3747", "V", "confirmed"],
        ["poverty_line", "working", "2019", "61", "4100", "L", "陕西省定标准"],
        ["parameter", "elimination_min_stable_months", "2023", "46", "12", "L", "海南"]])
    dry = run_json(capsys, "rules", "import", str(policy), "--dry-run")
    assert {key: dry[key] for key in ("created", "updated", "dry_run", "written", "would_write")} == {
        "created": 0, "updated": 0, "dry_run": True, "written": False,
        "would_write": {"created": 2, "updated": 1, "unchanged": 0}}  # the national 2019 line is seeded
    assert not PovertyLine.objects.filter(year=2019, province_code="61").exists()
