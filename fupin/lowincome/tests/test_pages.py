"""The pages: the register of an area, the re-evaluation (run, read, export, close a finding), the list upload."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.lowincome.models import CategoryMembership, Finding, FindingStatus
from fupin.testing.factories import id_number, load_fixture_divisions
from fupin.testing.pages import log_in_as

from .helpers import FUGONG, LUZHANG, D, check, member_of, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def county():
    load_fixture_divisions()
    a, b = person("甲"), person("乙")
    member_of(a, "dibao", D(2021, 3, 1))
    member_of(a, "monitoring", D(2022, 3, 1), monitoring="1")
    check(a, 2023, "7000")
    check(b, 2023, "5000")
    outsider = person("戊", FUGONG)  # a name no label contains
    member_of(outsider, "dibao", D(2021, 3, 1))
    return a, b


def test_register_page_counts_and_lists(county):
    client = log_in_as(Client(), "533301000000")
    response = client.get("/lowincome/533301000000/?on=2023-01-01")
    page = response.content.decode()
    assert response.status_code == 200 and "甲" in page and "戊" not in page
    assert page.count("<tr><td>甲</td>") == 2 and response.context["categories"][0]["count"] == 1
    assert client.get("/lowincome/533323000000/").status_code == 404
    assert client.get("/lowincome/533301000000/?bogus=1").status_code == 400


def test_reevaluation_page_runs_exports_and_closes(county):
    client = log_in_as(Client(), "533301000000", actions=("view", "change", "export"))
    assert client.get("/lowincome/533301000000/reevaluation/?year=2023").context["run"] is None
    response = client.post("/lowincome/533301000000/reevaluation/?year=2023", {"form": "run", "year": "2023"})
    assert response.status_code == 302
    # 甲: 7000 ≥ 5460 → leaves 低保; 7000 > 6900 → leaves monitoring; 5460 ≤ 7000 < 8190 → enters 低保边缘.
    # 乙: 5000 < 5460 → enters 低保; ≤ 6900 → enters monitoring.
    assert sorted(Finding.objects.values_list("person__name", "category", "change")) == [
        ("乙", "dibao", "enters"), ("乙", "monitoring", "enters"), ("甲", "dibao", "leaves"),
        ("甲", "edge", "enters"), ("甲", "monitoring", "leaves")]
    page = client.get("/lowincome/533301000000/reevaluation/?year=2023")
    assert page.status_code == 200 and "乙" in page.content.decode()
    download = client.get("/lowincome/533301000000/reevaluation/?year=2023&export=csv")
    assert download.status_code == 200 and "乙".encode() in b"".join(download.streaming_content)
    finding = Finding.objects.get(person__name="乙", category="dibao")
    client.post("/lowincome/533301000000/reevaluation/", {"form": "close", "finding": finding.pk, "status": "done"})
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.DONE
    viewer = log_in_as(Client(), "533301000000", actions=("view",))
    viewer.post("/lowincome/533301000000/reevaluation/?year=2023", {"form": "run", "year": "2023"})
    assert viewer.get("/lowincome/533301000000/reevaluation/?year=2023&export=csv").status_code == 404


def test_import_page(county):
    client = log_in_as(Client(), "533301000000", actions=("view", "change", "import"))
    number = id_number("533301", "19880808", "311")
    upload = SimpleUploadedFile("list.csv", f"证件号码,姓名,行政区划代码\n{number},丙,{LUZHANG}\n".encode())
    response = client.post("/lowincome/533301000000/import/", {
        "file": upload, "category": "edge", "department": "泸水市民政局", "identified_on": "2024-02-01"})
    assert response.status_code == 200
    assert CategoryMembership.objects.filter(person__name="丙", category="edge").exists()
