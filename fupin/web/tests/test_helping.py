"""The helping side's pages on a small hand-built county: each shows what its records say, and none shows anything
to a user granted elsewhere."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fupin.areas.models import Area
from fupin.assistance import services as assistance
from fupin.assistance.models import MeasureType
from fupin.cooperation.models import Party
from fupin.funds.services import entry_save, fund_document_save
from fupin.personnel.services import team_save
from fupin.projects.services import project_save
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, LUZHANG, SANHE = "533301000000", "533301102201", "533301102202"


@pytest.fixture
def county():
    load_fixture_divisions()
    actor = system_user()
    visited = register_poor_household(area=LUZHANG, size=2, main_cause="07", other_causes=["01"])
    forgotten = register_poor_household(area=SANHE, size=1)
    assistance.plan_save(actor=actor, household=visited, year=2019)
    assistance.record_save(actor=actor, kind="delivered", data={
        "household": visited, "measure_type": MeasureType.objects.get(code="industry"),
        "delivered_on": D(2019, 4, 1), "amount": Decimal("3000")})
    assistance.record_save(actor=actor, kind="visit", data={
        "household": visited, "cadre": make_cadre(), "visited_on": D(2019, 3, 20), "notes": "了解产业进展"})
    lushui = Area.objects.get(code=LUSHUI)
    project = project_save(actor=actor, data={"name": "鲁掌村道路", "type": "infrastructure", "area": lushui,
                                              "year": 2019, "stages": {"apply": {"planned_start": D(2019, 1, 1),
                                                           "planned_end": D(2019, 1, 31)}}})
    unit = Party.objects.create(kind="provincial_unit", name="省交通厅", area=Area.objects.get(code="533300000000"))
    for start, end in ((D(2018, 1, 1), D(2018, 12, 31)), (D(2019, 1, 5), None)):
        team_save(actor=actor, data={"village": Area.objects.get(code=LUZHANG), "unit": unit,
                                     "dispatch_level": "province", "start_date": start, "end_date": end})
    document = fund_document_save(actor=actor, data={
        "number": "怒财农〔2019〕3号", "title": "产业发展资金", "source": "provincial_fiscal", "year": 2019,
        "issuing_area": Area.objects.get(code="533300000000"), "total": Decimal("100000"),
        "issued_on": D(2019, 2, 1)})
    for kind, extra in (("allocate", {}), ("arrive", {}), ("spend", {"household": visited, "project": project})):
        entry_save(actor=actor, data={"document": document, "kind": kind, "area": lushui, "amount": Decimal("5000"),
                                      "date": D(2019, 3, 1), **extra})
    return {"visited": visited, "forgotten": forgotten, "document": document}


def _client(client, area):
    client.force_login(make_user(actions=["view"], area=area))
    return client


def test_pages_show_the_records(client, county):
    client = _client(client, LUSHUI)
    page = client.get(reverse("web:helping", args=[LUSHUI]), {"year": 2019}).content.decode()
    assert "id=\"card-funds\"" in page and "id=\"card-personnel\"" in page
    page = client.get(reverse("web:not-visited", args=[LUSHUI]), {"on": "2019-03-31"}).content.decode()
    assert county["forgotten"].number in page and county["visited"].number not in page
    page = client.get(reverse("web:project-delays", args=[LUSHUI]), {"on": "2019-03-31"}).content.decode()
    assert "鲁掌村道路" in page and "badge red" in page  # 59 days past the 申报 stage's planned end
    page = client.get(reverse("web:rotation-gaps", args=[LUSHUI]), {"start": "2018-06-01",
                                                                    "end": "2019-06-30"}).content.decode()
    assert "2019年1月1日 – 2019年1月4日 (4)" in page
    page = client.get(reverse("web:fund-trace", args=[county["document"].pk])).content.decode()
    assert county["visited"].number in page
    page = client.get(reverse("web:household-assistance", args=[county["visited"].pk])).content.decode()
    assert "了解产业进展" in page and "01" in page  # 因病 is not yet addressed by a delivered measure
    assert "<form" not in page.split("</title>")[0] and page.count('id="form-visit"') == 1


def test_nothing_is_shown_outside_the_grant(client, county):
    client = _client(client, "533323000000")
    for name, args in (("web:helping", [LUSHUI]), ("web:not-visited", [LUSHUI]), ("web:project-delays", [LUSHUI]),
                       ("web:rotation-gaps", [LUSHUI]), ("web:fund-trace", [county["document"].pk]),
                       ("web:household-assistance", [county["visited"].pk])):
        assert client.get(reverse(name, args=args)).status_code == 404, name


def test_a_cadre_records_a_measure_and_a_visit(client, county):
    from fupin.assistance.models import DeliveredMeasure, HouseholdVisit
    from fupin.audit.models import AuditEvent

    household, cadre = county["forgotten"], make_cadre()
    url = reverse("web:household-assistance", args=[household.pk])
    viewer = _client(client, SANHE)
    response = viewer.post(url, {"form": "visit", "cadre": cadre.id_number, "visited_on": "2019-04-02"})
    assert response.status_code == 200 and HouseholdVisit.objects.filter(household=household).count() == 0
    events = AuditEvent.objects.count()
    client.force_login(make_user(actions=["view", "change"], area=SANHE))
    response = client.post(url, {"form": "visit", "cadre": cadre.id_number, "visited_on": "2019-04-02",
                                 "notes": "核实收入"})
    assert response.status_code == 302 and HouseholdVisit.objects.get(household=household).notes == "核实收入"
    response = client.post(url, {"form": "measure", "measure_type": "health", "delivered_on": "2019-04-03",
                                 "amount": "1200"})
    assert response.status_code == 302
    assert DeliveredMeasure.objects.get(household=household).measure_type_id == "health"
    assert AuditEvent.objects.count() == events + 2
    # A member of another household is not offered, and an unknown cadre is refused in place.
    page = client.post(url, {"form": "visit", "cadre": "110101197501010000", "visited_on": "2019-04-02"})
    assert page.status_code == 200 and HouseholdVisit.objects.filter(household=household).count() == 1


def test_a_county_office_files_documents_and_completes_a_stage(client, county):
    from fupin.projects import codelists as project_codes
    from fupin.projects.models import Project

    project = Project.objects.get(name="鲁掌村道路")
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
    client.force_login(make_user(actions=["view"], area="533323000000"))
    assert client.get(url).status_code == 404


def test_cards_are_kept_a_few_minutes_and_counted_again_on_demand(client, county):
    """The cards are counted from the records (slow for a province), kept for CARDS_KEPT_SECONDS and shown with
    the time they were counted; "count again" recounts."""
    import re

    def teams(page: str) -> str:
        return re.search(r'data-key="work_teams"><td>[^<]*</td><td class="number">([^<]*)<', page).group(1)

    client = _client(client, LUSHUI)
    url = reverse("web:helping", args=[LUSHUI])
    first = client.get(url, {"year": 2019}).content.decode()
    assert teams(first) == "1 支" and 'id="computed-at"' in first
    unit = Party.objects.get(name="省交通厅")
    team_save(actor=system_user(), data={"village": Area.objects.get(code=SANHE), "unit": unit,
                                         "dispatch_level": "province", "start_date": D(2019, 2, 1)})
    assert teams(client.get(url, {"year": 2019}).content.decode()) == "1 支"  # kept
    assert teams(client.get(url, {"year": 2019, "fresh": "1"}).content.decode()) == "2 支"
