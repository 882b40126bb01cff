"""The household import page: it submits the upload as a job and sends the user to the job's page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.core.files.tabular import csv_text
from fupin.jobs.models import Job
from fupin.registry.models import Household
from fupin.testing.factories import id_number, load_fixture_divisions, make_user

pytestmark = pytest.mark.django_db
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "贫困户属性", "主要致贫原因"]


def upload(rows, name="h.csv"):
    return SimpleUploadedFile(name, csv_text([HEADER, *rows]).encode("utf-8"), content_type="text/csv")


@pytest.fixture
def clerk(db):
    load_fixture_divisions()
    return make_user(actions=["view", "change", "import"], area="533301000000")


def test_upload_page_shows_the_job(clerk, client, django_capture_on_commit_callbacks):
    client.force_login(clerk)
    assert "导入" in client.get(reverse("web:household-import")).content.decode()
    rows = [["533301102201", "W1", "2019", "李四", id_number(sequence="021"), "户主", "一般贫困户", "缺技术"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:household-import"), {"file": upload(rows)})
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "新增户数" in page and "已完成" in page and "导入贫困户" in page  # result and kind in the reader's language
    assert "households_created" not in page
    assert Household.objects.filter(number="W1").exists()


def test_uploads_need_the_import_action(db, client):
    load_fixture_divisions()
    client.force_login(make_user(actions=["view"], area="533301000000"))
    response = client.post(reverse("web:household-import"), {"file": upload([])})
    assert response.status_code == 200 and "没有此操作的权限" in response.content.decode()
    assert not Job.objects.exists()
