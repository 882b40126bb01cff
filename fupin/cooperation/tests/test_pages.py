"""The pairing graph pages: both directions, the map's flows and shapes, adding and ending pairings through the
services — and an eastern partner seeing and editing only its own pairings."""

import datetime

import pytest
from django.urls import reverse

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.cooperation import services
from fupin.cooperation.models import Pairing, Programme
from fupin.testing.factories import add_area, load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db
NUJIANG, LUSHUI, DONGGUAN, HUANGPU = "533300000000", "533301000000", "441900000000", "310101000000"


def make_pair(helper: str, helped: str, programme: str = "east_west") -> Pairing:
    actor = system_user()
    return services.pairing_save(actor=actor, data={
        "programme": Programme.objects.get(code=programme), "start_date": datetime.date(2017, 1, 1),
        "helper": services.party_for_area(actor=actor, area=Area.objects.get(code=helper)),
        "helped": services.party_for_area(actor=actor, area=Area.objects.get(code=helped))})


@pytest.fixture
def graph():
    load_fixture_divisions()
    add_area("310000000000", "上海市")
    add_area(HUANGPU, "黄浦区")
    return {"shanghai": make_pair(HUANGPU, NUJIANG), "dongguan": make_pair(DONGGUAN, LUSHUI, "hand_in_hand")}


def _login(client, area: str, actions=("view", "change")):
    client.force_login(make_user(actions=list(actions), area=area))
    return client


def test_the_helped_side_sees_every_pairing_and_the_map(client, graph):
    client = _login(client, NUJIANG)
    page = client.get(reverse("web:pairings", args=[NUJIANG]))
    assert page.status_code == 200
    rows = [row["helper"] for row in page.context["rows"]]
    assert rows == ["黄浦区", "东莞市"]  # East–West first, then hand in hand (programme order)
    # Flows from each helper's place to the place it helps: 黄浦 (Shanghai) → 怒江, 东莞 → 泸水 (drawn at its shape).
    flows = {(flow["helper"], flow["helped"]): flow for flow in page.context["flows"]}
    assert set(flows) == {("黄浦区", "怒江傈僳族自治州"), ("东莞市", "泸水市")}
    start, end = flows[("黄浦区", "怒江傈僳族自治州")]["coords"]
    assert 121 < start[0] < 122 and 31 < start[1] < 32  # 上海
    assert 98 < end[0] < 100 and 25 < end[1] < 29  # 怒江
    # The map's shapes: the whole country's provinces (reference data, loaded or not: issue 25), keyed by code;
    # below an area, only what the user may see.
    shapes = client.get(reverse("web:map")).json()
    provinces = {feature["properties"]["code"] for feature in shapes["features"]}
    assert len(provinces) == 34 and {"530000000000", "440000000000", "110000000000", "650000000000"} <= provinces
    below = client.get(reverse("web:map-area", args=[NUJIANG])).json()
    assert {f["properties"]["code"] for f in below["features"]} >= {"533301000000", "533323000000"}


def test_an_eastern_partner_sees_and_ends_only_its_own_pairings(client, graph):
    client = _login(client, DONGGUAN)
    page = client.get(reverse("web:pairings", args=[DONGGUAN]) + "?side=helper")
    assert [(row["helper"], row["helped"]) for row in page.context["rows"]] == [("东莞市", "泸水市")]
    assert client.get(reverse("web:pairings", args=[NUJIANG])).status_code == 404
    assert client.get(reverse("web:map-area", args=[NUJIANG])).status_code == 404
    # Shanghai's pairing is not its own: refused, nothing changes.
    events = AuditEvent.objects.count()
    client.post(reverse("web:pairing-end", args=[DONGGUAN, graph["shanghai"].pk]), {"on": "2020-12-31"})
    graph["shanghai"].refresh_from_db()
    assert graph["shanghai"].end_date is None and AuditEvent.objects.count() == events
    # Its own pairing is ended through the service, with an audit event.
    response = client.post(reverse("web:pairing-end", args=[DONGGUAN, graph["dongguan"].pk]),
                           {"on": "2020-12-31", "side": "helper"})
    assert response.status_code == 302 and response["Location"].endswith("?side=helper")
    graph["dongguan"].refresh_from_db()
    assert (graph["dongguan"].end_date, graph["dongguan"].status) == (datetime.date(2020, 12, 31), "ended")
    assert AuditEvent.objects.count() == events + 1


def test_adding_a_pairing_goes_through_the_service(client, graph):
    client = _login(client, NUJIANG)
    # 东莞 (already a party) with 鲁掌镇 (made a party on first use, in the user's own area).
    data = {"programme": "hand_in_hand", "helper": DONGGUAN, "helped": "533301102000", "start_date": "2018-03-01"}
    client.post(reverse("web:pairing-add", args=[NUJIANG]), data)
    added = Pairing.objects.get(helped__area_id="533301102000")
    assert (added.helped.area_id, added.programme_id, added.start_date) == (
        "533301102000", "hand_in_hand", datetime.date(2018, 3, 1))
    # A bad code adds nothing and says why.
    page = client.post(reverse("web:pairing-add", args=[NUJIANG]), {**data, "helper": "999999"}, follow=True)
    assert Pairing.objects.count() == 3
    assert any("999999" in str(message) for message in page.context["messages"])
    # A user who may only look cannot add.
    viewer = _login(client, NUJIANG, actions=("view",))
    viewer.post(reverse("web:pairing-add", args=[NUJIANG]), {**data, "start_date": "2019-03-01"})
    assert Pairing.objects.count() == 3


def test_the_page_takes_the_filters_of_the_pairing_list(client, graph):
    client = _login(client, NUJIANG, actions=["view"])
    url = reverse("web:pairings", args=[NUJIANG])
    only = client.get(url, {"programme": "hand_in_hand"})
    assert [row["helper"] for row in only.context["rows"]] == ["东莞市"]
    helper_in = client.get(url, {"helper_area": "4419"})  # the list's helper filter: a code as typed
    assert [row["helper"] for row in helper_in.context["rows"]] == ["东莞市"]
    refused = client.get(url, {"programmes": "hand_in_hand"})
    assert refused.status_code == 400 and "programmes" in refused.content.decode()
    assert client.get(url, {"programme": "no_such_programme"}).status_code == 400
