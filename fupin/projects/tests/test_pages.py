"""The project pages on a small hand-built county: the delay colours of the county's open projects, and a
project's page where the county office files documents and completes a stage through the projects service (which
refuses a stage whose required documents are missing). A user granted another county gets 404."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from fupin.areas.models import Area
from fupin.projects import codelists as project_codes
from fupin.projects.models import Project
from fupin.projects.services import project_save
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, FUGONG = "533301000000", "533323000000"


@pytest.fixture
def project():
    load_fixture_divisions()
    return project_save(actor=system_user(), data={
        "name": "鲁掌村道路", "type": "infrastructure", "area": Area.objects.get(code=LUSHUI), "year": 2019,
        "stages": {"apply": {"planned_start": D(2019, 1, 1), "planned_end": D(2019, 1, 31)}}})


def test_the_delays_page_colours_the_open_projects(client, project):
    client.force_login(make_user(actions=["view"], area=LUSHUI))
    page = client.get(reverse("web:project-delays", args=[LUSHUI]), {"on": "2019-03-31"}).content.decode()
    assert "鲁掌村道路" in page and "badge red" in page  # 59 days past the 申报 stage's planned end
    assert reverse("web:project", args=[project.pk]) in page


def test_the_delays_page_filters_by_place_and_colour_names_the_stage_and_pages(client, project):
    """Issue 25: the village and stage read as names, a colour and a township narrow the list, pages of 100."""
    client.force_login(make_user(actions=["view"], area=LUSHUI))
    url = reverse("web:project-delays", args=[LUSHUI])
    with translation.override("zh-hans"):
        page = client.get(url, {"on": "2019-03-31"}).content.decode()
    assert project_codes.STAGE.label("apply") in page and ">apply<" not in page
    assert Area.objects.get(code=LUSHUI).name in page
    for colour, shown in (("red", True), ("green", False), ("yellow", False)):
        page = client.get(url, {"on": "2019-03-31", "colour": colour}).content.decode()
        assert ("鲁掌村道路" in page) is shown, colour
    # Before the planned end the project is green.
    assert "鲁掌村道路" in client.get(url, {"on": "2019-01-15", "colour": "green"}).content.decode()
    # The project is the county's own: a township below narrows it out.
    township = Area.objects.filter(parent_id=LUSHUI).order_by("code").first()
    assert "鲁掌村道路" not in client.get(url, {"on": "2019-03-31", "within": township.code}).content.decode()
    response = client.get(url, {"on": "2019-03-31", "page": 2})
    assert response.status_code == 200 and response.context["page"].paginator.per_page == 100


def test_a_county_office_files_documents_and_completes_a_stage(client, project):
    url = reverse("web:project", args=[project.pk])
    client.force_login(make_user(actions=["view", "change"], area=LUSHUI))
    required = project_codes.required_documents(project.type, "apply")
    assert required, "the 申报 stage requires documents"
    page = client.post(url, {"form": "stage", "stage": "apply", "on": "2019-01-20"}).content.decode()
    assert project_codes.DOCUMENT_KIND.label(required[0]) in page  # refused, naming what is missing
    assert Project.objects.get(pk=project.pk).stages.get(stage="apply").completed_on is None
    for kind in required:
        response = client.post(url, {"form": "document", "stage": "apply", "kind": kind, "title": f"{kind} 2019",
                                     "file": SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4\n%%EOF\n" + kind.encode())})
        assert response.status_code == 302
    assert client.post(url, {"form": "stage", "stage": "apply", "on": "2019-01-20"}).status_code == 302
    assert project.stages.get(stage="apply").completed_on == datetime.date(2019, 1, 20)
    assert client.get(reverse("web:project", args=[project.pk])).status_code == 200
    client.force_login(make_user(actions=["view"], area=FUGONG))
    assert client.get(url).status_code == 404


def test_nothing_is_shown_outside_the_grant(client, project):
    client.force_login(make_user(actions=["view", "change"], area=FUGONG))
    assert client.get(reverse("web:project-delays", args=[LUSHUI])).status_code == 404
    assert client.get(reverse("web:project", args=[project.pk])).status_code == 404
    response = client.post(reverse("web:project", args=[project.pk]),
                           {"form": "stage", "stage": "apply", "on": "2019-01-20"})
    assert response.status_code == 404 and project.stages.get(stage="apply").completed_on is None


def test_the_pages_ask_a_visitor_to_log_in(client, project):
    for url in (reverse("web:project-delays", args=[LUSHUI]), reverse("web:project", args=[project.pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login")), url
