"""The fund pages on a small hand-built county: a document's trace down to households and its ledger, whose
entries are saved through the funds service (the entry and its audit event); an overrun or a refused write is shown
in place having written nothing, and a user granted another county gets 404 for every page and every post."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.areas.models import Area
from fupin.audit.models import AuditEvent
from fupin.funds.models import FundEntry
from fupin.funds.services import entry_save, fund_document_save
from fupin.projects.services import project_save
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.testing.pages import in_form, log_in_as, shown

pytestmark = pytest.mark.django_db
D = datetime.date
NUJIANG, LUSHUI, LUZHANG, FUGONG = "533300000000", "533301000000", "533301102201", "533323000000"


@pytest.fixture
def county():
    load_fixture_divisions()
    actor = system_user()
    household = register_poor_household(area=LUZHANG, size=2, main_cause="07", other_causes=["01"])
    lushui = Area.objects.get(code=LUSHUI)
    project = project_save(actor=actor, data={"name": "鲁掌村道路", "type": "infrastructure", "area": lushui,
                                              "year": 2019, "stages": {"apply": {"planned_start": D(2019, 1, 1),
                                                                                 "planned_end": D(2019, 1, 31)}}})
    document = fund_document_save(actor=actor, data={
        "number": "怒财农〔2019〕3号", "title": "产业发展资金", "source": "provincial_fiscal", "year": 2019,
        "issuing_area": Area.objects.get(code=NUJIANG), "total": Decimal("100000"), "issued_on": D(2019, 2, 1)})
    for kind, amount in (("allocate", "8000"), ("arrive", "5000")):
        entry_save(actor=actor, data={"document": document, "kind": kind, "area": lushui, "amount": Decimal(amount),
                                      "date": D(2019, 3, 1)})
    return {"household": household, "project": project, "document": document}


def test_the_trace_shows_the_households_reached(client, county):
    document, project, household = county["document"], county["project"], county["household"]
    entry_save(actor=system_user(), data={"document": document, "kind": "spend", "area": Area.objects.get(
        code=LUSHUI), "amount": Decimal("500"), "date": D(2019, 3, 2), "household": household, "project": project})
    log_in_as(client, LUSHUI, actions=["view"])
    page = client.get(reverse("web:fund-trace", args=[document.pk])).content.decode()
    assert household.number in page and reverse("web:household-assistance", args=[household.pk]) in page


def test_ledger_entries_go_through_the_funds_service(client, county):
    document, project, household = county["document"], county["project"], county["household"]
    url = reverse("web:fund-ledger", args=[document.pk])
    log_in_as(client, NUJIANG)  # the issuing prefecture allocates; it holds the county's grants too
    assert client.post(url, {"form": "allocate", "area": "533301", "amount": "2000", "date": "2019-04-01",
                             "note": "追加"}).status_code == 302
    assert client.post(url, {"form": "arrive", "area": LUSHUI, "amount": "1000",
                             "date": "2019-04-02"}).status_code == 302
    assert client.post(url, {"form": "spend", "area": LUSHUI, "project": str(project.pk),
                             "household": household.number, "amount": "600", "date": "2019-04-03"}).status_code == 302
    spent = FundEntry.objects.get(kind="spend")
    assert client.post(url, {"form": "adjust", "corrects": str(spent.pk), "amount": "-100", "date": "2019-04-04",
                             "note": "多付退回"}).status_code == 302
    rows = list(FundEntry.objects.filter(date__gte=D(2019, 4, 1)).order_by("id").values_list(
        "kind", "area_id", "project_id", "household_id", "corrects_id", "amount", "note"))
    assert rows == [("allocate", LUSHUI, None, None, None, Decimal("2000.00"), "追加"),
                    ("arrive", LUSHUI, None, None, None, Decimal("1000.00"), ""),
                    ("spend", LUSHUI, project.pk, household.pk, None, Decimal("600.00"), ""),
                    ("adjust", LUSHUI, project.pk, household.pk, spent.pk, Decimal("-100.00"), "多付退回")]
    added = list(AuditEvent.objects.filter(action="funds.entry_added").order_by("seq"))[-4:]
    assert [event.object_id for event in added] == [str(pk) for pk in FundEntry.objects.filter(
        date__gte=D(2019, 4, 1)).order_by("id").values_list("pk", flat=True)]
    page = client.get(url).content.decode()
    assert f'data-entry="{spent.pk}"' in page and "多付退回" in page
    assert url in client.get(reverse("web:fund-trace", args=[document.pk])).content.decode()


def test_an_overrun_is_refused_with_the_services_message(client, county):
    document, project = county["document"], county["project"]
    url = reverse("web:fund-ledger", args=[document.pk])
    log_in_as(client, LUSHUI)
    before = FundEntry.objects.count()
    response = client.post(url, {"form": "spend", "area": LUSHUI, "project": str(project.pk), "amount": "5000.01",
                                 "date": "2019-04-03"})
    assert response.status_code == 200
    assert shown(_("As of %(date)s only %(left)s of this document had arrived at the area and was unspent."),
                 date="2019-04-03", left=Decimal("5000.00")) in in_form(response, "spend")
    # Allocating is the issuing prefecture's act, not the county's.
    response = client.post(url, {"form": "allocate", "area": LUSHUI, "amount": "10", "date": "2019-04-03"})
    assert shown(_("You do not have permission to do this in this area.")) in in_form(response, "allocate")
    response = client.post(url, {"form": "arrive", "area": "99", "amount": "10", "date": "2019-04-03"})
    assert shown(_("No area has the code %(code)s."), code="99") in in_form(response, "arrive")
    assert FundEntry.objects.count() == before


def test_a_user_granted_another_county_gets_404_and_writes_nothing(client, county):
    log_in_as(client, FUGONG)
    document = county["document"]
    before = (AuditEvent.objects.count(), FundEntry.objects.count())
    for name in ("web:fund-trace", "web:fund-ledger"):
        assert client.get(reverse(name, args=[document.pk])).status_code == 404, name
    response = client.post(reverse("web:fund-ledger", args=[document.pk]),
                           {"form": "arrive", "area": LUSHUI, "amount": "10", "date": "2019-04-03"})
    assert response.status_code == 404
    assert (AuditEvent.objects.count(), FundEntry.objects.count()) == before


def test_the_pages_ask_a_visitor_to_log_in(client, county):
    for name in ("web:fund-trace", "web:fund-ledger"):
        url = reverse(name, args=[county["document"].pk])
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login")), url


def test_the_entry_list_filters_by_an_area_code_as_typed_and_refuses_unknown_keys(county):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(make_user(actions=["view"], area=LUSHUI))
    url = "/api/fund-entries/"
    listed = api.get(url, {"area": "533301"})  # the county's whole subtree, as 533301000000 is
    assert listed.status_code == 200 and len(listed.json()["results"]) == 2
    assert len(api.get(url, {"area": LUZHANG}).json()["results"]) == 0
    assert api.get(url, {"area": "53330"}).status_code == 400
    assert api.get(url, {"areas": "533301"}).status_code == 400
    assert api.get(url, {"document": str(county["document"].pk), "kind": "arrive"}).json()["results"][0][
        "amount"] == "5000.00"
    # A household another county holds is named as missing.
    other = register_poor_household(area="533323101201", size=1)
    assert api.get(url, {"household": str(other.pk)}).status_code == 400
