"""A job's stored result stays small (a big one goes to a file, linked), and uploads go once their job has ended."""

import datetime
import json
import os
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from fupin.imports.services import submit_household_import
from fupin.jobs.models import Job, JobStatus
from fupin.jobs.services import job_submit
from fupin.jobs.tests import kinds  # noqa: F401 (registers live.big)
from fupin.jobs.uploads import upload_dir, uploads_clean
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db

CSV = "行政区划代码,户编号,年度,姓名,证件号码,性别,与户主关系\n".encode()


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def test_a_big_result_is_kept_in_a_file_and_the_job_shows_a_summary(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(actor=system_user(), kind="live.big", params={"rows": 50_000})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    stored = len(json.dumps(job.result, ensure_ascii=False).encode())
    assert stored <= settings.FUPIN_JOB_RESULT_MAX_BYTES
    assert job.result["result_truncated"] is True
    assert (job.result["rows"], job.result["errors_count"], job.result["errors_file"]) == (
        50_000, 50_000, "imports/x.xlsx")
    assert len(job.result["errors"]) == 20
    whole = json.loads((Path(settings.MEDIA_ROOT) / job.result["result_file"]).read_text())
    assert len(whole["errors"]) == 50_000

    client = APIClient()
    client.force_authenticate(system_user())
    response = client.get(f"/api/jobs/{job.pk}/")
    assert response.status_code == 200
    assert len(response.content) < settings.FUPIN_JOB_RESULT_MAX_BYTES + 4096
    assert response.json()["result"]["result_url"].endswith(f"/api/jobs/{job.pk}/result/")
    download = client.get(f"/api/jobs/{job.pk}/result/")
    assert download.status_code == 200
    assert len(json.loads(b"".join(download.streaming_content))["errors"]) == 50_000


def test_a_result_stored_before_the_cap_is_summarised_when_shown():
    big = {"rows": 9, "errors": [{"row": n, "message": "x" * 100} for n in range(10_000)]}
    job = Job.objects.create(kind="live.big", status=JobStatus.SUCCEEDED, created_by=system_user(), result=big)
    client = APIClient()
    client.force_authenticate(system_user())
    response = client.get(f"/api/jobs/{job.pk}/")
    assert len(response.content) < settings.FUPIN_JOB_RESULT_MAX_BYTES + 4096
    assert response.json()["result"]["errors_count"] == 10_000


def test_a_small_result_is_kept_as_it_is(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_submit(actor=system_user(), kind="live.big", params={"rows": 3})
    job.refresh_from_db()
    assert "result_file" not in job.result and len(job.result["errors"]) == 3


def _upload(actor, name="households.csv"):
    return submit_household_import(actor=actor, file=SimpleUploadedFile(name, CSV))


def test_an_upload_is_deleted_when_its_job_ends(django_capture_on_commit_callbacks):
    actor = make_user(actions=["view", "change", "import"], area=None)
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(actor)
    job.refresh_from_db()
    assert job.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}
    assert not Path(job.params["path"]).exists()


@override_settings(FUPIN_UPLOAD_KEEP_FAILED_DAYS=2)
def test_a_failed_jobs_upload_is_kept_for_the_days_configured(django_capture_on_commit_callbacks):
    actor = make_user(actions=["view", "change", "import"], area=None)
    with django_capture_on_commit_callbacks(execute=True):
        job = _upload(actor)
    job.refresh_from_db()
    path = Path(job.params["path"])
    if job.status == JobStatus.SUCCEEDED:  # this header-only file may import as empty: make it a failure
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)
        path.write_bytes(CSV)
    assert path.exists()
    assert uploads_clean()["deleted"] == 0
    assert uploads_clean(now=timezone.now() + datetime.timedelta(days=2, minutes=1))["deleted"] == 1
    assert not path.exists()


def test_uploads_of_running_jobs_stay_and_orphans_go_after_a_day():
    folder = upload_dir()
    folder.mkdir(parents=True, exist_ok=True)
    waiting = folder / "waiting.csv"
    waiting.write_bytes(CSV)
    Job.objects.create(kind="registry.import_households", status=JobStatus.RUNNING, created_by=system_user(),
                       params={"path": str(waiting)})
    orphan, fresh = folder / "orphan.csv", folder / "fresh.csv"
    orphan.write_bytes(CSV)
    fresh.write_bytes(CSV)
    old = time.time() - 25 * 3600
    os.utime(orphan, (old, old))
    assert uploads_clean() == {"deleted": 1, "bytes": len(CSV)}
    assert waiting.exists() and fresh.exists() and not orphan.exists()
    fresh.unlink()
    waiting.unlink()


def test_a_file_outside_the_upload_folder_is_never_deleted(tmp_path, django_capture_on_commit_callbacks):
    mine = tmp_path / "mine.csv"
    mine.write_bytes(CSV)
    with django_capture_on_commit_callbacks(execute=True):
        job_submit(actor=system_user(), kind="registry.import_households", params={"path": str(mine)})
    assert mine.exists()


def test_the_clean_command_reports_what_it_did():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("jobs", "clean", "--format", "json", stdout=out)
    report = json.loads(out.getvalue())
    assert set(report) >= {"jobs_failed", "uploads_deleted", "upload_bytes_deleted"}
