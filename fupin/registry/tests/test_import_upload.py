import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from python_calamine import CalamineWorkbook
from rest_framework.test import APIClient

from fupin.core.files.tabular import csv_text
from fupin.jobs.models import Job
from fupin.testing.factories import id_number, load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "贫困户属性", "主要致贫原因"]


def upload(rows, name="h.csv"):
    return SimpleUploadedFile(name, csv_text([HEADER, *rows]).encode("utf-8"), content_type="text/csv")


@pytest.fixture
def clerk(db):
    load_fixture_divisions()
    return make_user(actions=["view", "change", "import"], area="533301000000")


def test_api_upload_runs_a_job_and_serves_the_error_workbook(clerk, django_capture_on_commit_callbacks):
    client = APIClient()
    client.force_authenticate(clerk)
    rows = [["533301102201", "U1", "2019", "张三", id_number(sequence="011"), "户主", "一般贫困户", "缺技术"],
            ["533301102201", "U2", "2019", "错号", "533301198001010011", "户主", "一般贫困户", "缺技术"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/households/", {"file": upload(rows), "skip_invalid": "true"},
                               format="multipart")
    assert response.status_code == 202, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "succeeded", job.error
    assert {k: job.result[k] for k in ("households_created", "rejected", "written")} == {
        "households_created": 1, "rejected": 1, "written": True}
    workbook = client.get(f"/api/jobs/{job.pk}/errors/")
    assert workbook.status_code == 200
    path = job.result["errors_file"]
    from django.conf import settings

    sheet = CalamineWorkbook.from_path(str(settings.MEDIA_ROOT / path)).get_sheet_by_index(0).to_python()
    assert sheet[1][0] == 3 and "校验码" in sheet[1][-2]
    other = APIClient()
    other.force_authenticate(make_user(actions=["view", "import"], area="533301000000"))
    assert other.get(f"/api/jobs/{job.pk}/errors/").status_code == 404  # someone else's job
