"""Registry exports as jobs: the service, the API and the export page. The file a job writes is the registry's
own export (same headers, rows and masking as `fupin export households`), and it imports back unchanged."""

import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from fupin.accounts.models import AreaGrant
from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.core.errors import NotFound, PermissionDenied, ValidationFailed
from fupin.imports.services import EXPORT_HOUSEHOLDS, submit_household_export
from fupin.jobs.models import Job
from fupin.registry.exporting import HEADERS, households_export
from fupin.registry.masking import mask_id_number
from fupin.registry.models import Member
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household

pytestmark = pytest.mark.django_db
LUSHUI = "533301000000"
ID_COLUMN = HEADERS.index("证件号码")


@pytest.fixture(autouse=True)
def registry():
    load_fixture_divisions()
    register_poor_household(area="533301102201", size=3, income_per_capita="3000")
    register_poor_household(area="533301102201", size=2, income_per_capita="2500")
    register_poor_household(area="533323101201", size=1, income_per_capita="5000", status="1")


@pytest.fixture
def clerk():
    """May export in 泸水 but not see ID numbers."""
    return make_user(username="clerk", actions=["view", "export"], area=LUSHUI)


@pytest.fixture
def officer():
    """May export, see ID numbers and import in 泸水."""
    return make_user(username="officer", actions=["view", "change", "import", "export", "view_sensitive"],
                     area=LUSHUI)


def sheet_of(path) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def lushui_ids() -> list[str]:
    return sorted(Member.objects.filter(household__area__code__startswith="533301", is_active=True)
                  .values_list("id_number", flat=True))


def run_export(actor, capture, area=LUSHUI, year=2019, file_format="xlsx") -> Job:
    with capture(execute=True):
        job = submit_household_export(actor=actor, area_code=area, year=year, file_format=file_format)
    job.refresh_from_db()
    return job


def test_job_writes_the_registry_export_and_records_it(officer, tmp_path, django_capture_on_commit_callbacks):
    job = run_export(officer, django_capture_on_commit_callbacks)
    assert (job.kind, job.status, job.error) == (EXPORT_HOUSEHOLDS, "succeeded", "")
    assert job.params == {"area": LUSHUI, "year": 2019, "format": "xlsx"}
    assert job.result == {"rows": 5, "filename": "households-533301000000-2019.xlsx",
                          "export_file": f"exports/job-{job.pk}-households-533301000000-2019.xlsx"}
    produced = sheet_of(settings.MEDIA_ROOT / job.result["export_file"])
    direct = tmp_path / "direct.xlsx"
    assert households_export(actor=officer, path=direct, year=2019, area=Area.objects.get(code=LUSHUI)) == 5
    assert produced == sheet_of(direct)
    assert produced[0] == HEADERS
    assert sorted(row[ID_COLUMN] for row in produced[1:]) == lushui_ids()
    assert {row[0] for row in produced[1:]} == {"533301102201"}
    exported = AuditEvent.objects.filter(action="registry.exported", actor=officer).first()
    assert (exported.object_id, exported.area_code, exported.after) == (
        f"job-{job.pk}-households-533301000000-2019.xlsx", LUSHUI, {"year": 2019, "rows": 5, "unmasked": True})


def test_id_numbers_are_masked_for_a_role_that_may_not_see_them(clerk, officer, django_capture_on_commit_callbacks):
    masked = sheet_of(settings.MEDIA_ROOT / run_export(clerk, django_capture_on_commit_callbacks).result["export_file"])
    plain = sheet_of(settings.MEDIA_ROOT / run_export(officer, django_capture_on_commit_callbacks)
                     .result["export_file"])
    assert sorted(row[ID_COLUMN] for row in masked[1:]) == sorted(mask_id_number(n) for n in lushui_ids())
    assert sorted(row[ID_COLUMN] for row in plain[1:]) == lushui_ids()
    without_ids = [[cell for i, cell in enumerate(row) if i != ID_COLUMN] for row in masked]
    assert without_ids == [[cell for i, cell in enumerate(row) if i != ID_COLUMN] for row in plain]
    assert AuditEvent.objects.get(action="registry.exported", actor=clerk).after == {
        "year": 2019, "rows": 5, "unmasked": False}


def test_areas_outside_the_grant_and_unknown_areas_are_refused(clerk):
    with pytest.raises(PermissionDenied):
        submit_household_export(actor=clerk, area_code="533323000000", year=2019)
    with pytest.raises(NotFound):
        submit_household_export(actor=clerk, area_code="539999000000", year=2019)
    with pytest.raises(ValidationFailed):
        submit_household_export(actor=clerk, area_code=LUSHUI, year=2019, file_format="pdf")
    assert not Job.objects.exists()


def test_a_grant_withdrawn_before_the_job_runs_fails_the_job_without_a_file(clerk,
                                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = submit_household_export(actor=clerk, area_code=LUSHUI, year=2019)
    AreaGrant.objects.filter(user=clerk).delete()
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert (job.status, job.result) == ("failed", None)
    assert "PermissionDenied" in job.error
    assert not (settings.MEDIA_ROOT / "exports" / f"job-{job.pk}-households-533301000000-2019.xlsx").exists()


def test_api_export_then_download_then_reimport_changes_nothing(officer, tmp_path,
                                                                django_capture_on_commit_callbacks, capsys):
    client = APIClient()
    client.force_authenticate(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/exports/households/", {"area": "533301", "year": 2019, "format": "csv"},
                               format="json")
    assert response.status_code == 202, response.content
    assert (response.json()["kind"], response.json()["status"]) == (EXPORT_HOUSEHOLDS, "queued")
    job = client.get(f"/api/jobs/{response.json()['id']}/").json()
    assert (job["status"], job["result"]["rows"]) == ("succeeded", 5)
    download = client.get(f"/api/jobs/{job['id']}/file/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="households-533301000000-2019.csv"'
    path = tmp_path / "downloaded.csv"
    path.write_bytes(b"".join(download.streaming_content))
    assert path.read_bytes() == (settings.MEDIA_ROOT / job["result"]["export_file"]).read_bytes()
    call_command("import", "households", str(path), "--user", "officer", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {
        "rows": 5, "households_created": 0, "households_updated": 0, "members_created": 0, "members_updated": 0,
        "rejected": 0, "dry_run": False, "written": True, "errors": []}


def test_downloaded_workbook_reimports_unchanged(officer, tmp_path, django_capture_on_commit_callbacks, capsys):
    client = APIClient()
    client.force_authenticate(officer)
    with django_capture_on_commit_callbacks(execute=True):
        job_id = client.post("/api/exports/households/", {"area": LUSHUI, "year": 2019}, format="json").json()["id"]
    path = tmp_path / "downloaded.xlsx"
    path.write_bytes(b"".join(client.get(f"/api/jobs/{job_id}/file/").streaming_content))
    assert sheet_of(path)[0] == HEADERS and len(sheet_of(path)) == 6
    call_command("import", "households", str(path), "--user", "officer", "--format", "json")
    summary = json.loads(capsys.readouterr().out)
    assert (summary["rows"], summary["households_created"], summary["households_updated"],
            summary["members_created"], summary["members_updated"], summary["rejected"]) == (5, 0, 0, 0, 0, 0)


def test_api_refuses_areas_outside_the_grant(clerk):
    client = APIClient()
    client.force_authenticate(clerk)
    response = client.post("/api/exports/households/", {"area": "533323000000", "year": 2019}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "您在该区域没有此操作的权限。"}
    assert client.post("/api/exports/households/", {"area": LUSHUI, "year": 2019, "format": "pdf"},
                       format="json").status_code == 400
    assert not Job.objects.exists()


def test_only_those_who_may_see_the_job_download_its_file(clerk, django_capture_on_commit_callbacks):
    job = run_export(clerk, django_capture_on_commit_callbacks)
    owner, colleague, administrator = APIClient(), APIClient(), APIClient()
    owner.force_authenticate(clerk)
    colleague.force_authenticate(make_user(actions=["view", "export", "view_sensitive"], area=LUSHUI))
    administrator.force_authenticate(make_user(role="administrator", area=None))
    assert owner.get(f"/api/jobs/{job.pk}/file/").status_code == 200
    assert colleague.get(f"/api/jobs/{job.pk}/file/").status_code == 404  # someone else's job
    assert administrator.get(f"/api/jobs/{job.pk}/file/").status_code == 200  # nationwide administrators see all
    assert APIClient().get(f"/api/jobs/{job.pk}/file/").status_code == 403  # not signed in


def test_jobs_without_an_export_file_have_nothing_to_download(clerk):
    from fupin.jobs.services import job_submit

    job = job_submit(actor=clerk, kind=EXPORT_HOUSEHOLDS, params={"area": LUSHUI, "year": 2019, "format": "xlsx"})
    client = APIClient()
    client.force_authenticate(clerk)
    assert client.get(f"/api/jobs/{job.pk}/file/").status_code == 404  # queued: no file yet


def test_export_page_offers_the_granted_areas_and_links_the_file(clerk, client, django_capture_on_commit_callbacks):
    client.force_login(clerk)
    page = client.get(reverse("web:household-export")).content.decode()
    assert '<option value="533301000000">泸水市 (533301000000)</option>' in page
    assert '<option value="533301102000">— 鲁掌镇 (533301102000)</option>' in page
    assert "533323000000" not in page  # 福贡县: outside the grant
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:household-export"), {"area": LUSHUI, "year": "2019", "format": "xlsx"})
    job = Job.objects.get(kind=EXPORT_HOUSEHOLDS)
    assert (response.status_code, response.url) == (302, reverse("web:job", args=[job.pk]))
    status = client.get(response.url).content.decode()
    assert f'href="/api/jobs/{job.pk}/file/"' in status
    assert "households-533301000000-2019.xlsx" in status
    refused = client.post(reverse("web:household-export"), {"area": "533323000000", "year": "2019", "format": "xlsx"})
    assert refused.status_code == 200 and Job.objects.count() == 1
