"""The helping side's pages on a small hand-built county: each shows what its records say, and none shows anything
to a user granted elsewhere."""

import datetime
from decimal import Decimal

import pytest
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


def test_nothing_is_shown_outside_the_grant(client, county):
    client = _client(client, "533323000000")
    for name, args in (("web:helping", [LUSHUI]),):
        assert client.get(reverse(name, args=args)).status_code == 404, name


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
