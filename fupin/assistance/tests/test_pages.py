"""The assistance pages on a small hand-built county: a household's assistance (where a cadre records a measure or
a visit), its plan, and the households not visited in time. Each shows what its records say, saves through the
assistance service (the record and its audit event), shows a refusal in place having written nothing, and answers
404 to a user granted another county."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fupin.assistance import services as assistance
from fupin.assistance.models import DeliveredMeasure, HouseholdVisit, MeasureType, Plan
from fupin.audit.models import AuditEvent
from fupin.testing.factories import load_fixture_divisions, make_cadre, register_poor_household, system_user
from fupin.testing.pages import events, in_form, log_in_as, shown

pytestmark = pytest.mark.django_db
D = datetime.date
LUSHUI, LUZHANG, SANHE, FUGONG = "533301000000", "533301102201", "533301102202", "533323000000"


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
    return {"visited": visited, "forgotten": forgotten}


def test_pages_show_the_records(client, county):
    client = log_in_as(client, LUSHUI, actions=["view"])
    page = client.get(reverse("web:not-visited", args=[LUSHUI]), {"on": "2019-03-31"}).content.decode()
    assert county["forgotten"].number in page and county["visited"].number not in page
    page = client.get(reverse("web:household-assistance", args=[county["visited"].pk])).content.decode()
    assert "了解产业进展" in page and "01" in page  # 因病 is not yet addressed by a delivered measure
    assert "<form" not in page.split("</title>")[0] and page.count('id="form-visit"') == 1


def test_a_cadre_records_a_measure_and_a_visit(client, county):
    household, cadre = county["forgotten"], make_cadre()
    url = reverse("web:household-assistance", args=[household.pk])
    viewer = log_in_as(client, SANHE, actions=["view"])
    response = viewer.post(url, {"form": "visit", "cadre": cadre.id_number, "visited_on": "2019-04-02"})
    assert response.status_code == 200 and HouseholdVisit.objects.filter(household=household).count() == 0
    before = AuditEvent.objects.count()
    log_in_as(client, SANHE)
    response = client.post(url, {"form": "visit", "cadre": cadre.id_number, "visited_on": "2019-04-02",
                                 "notes": "核实收入"})
    assert response.status_code == 302 and HouseholdVisit.objects.get(household=household).notes == "核实收入"
    response = client.post(url, {"form": "measure", "measure_type": "health", "delivered_on": "2019-04-03",
                                 "amount": "1200"})
    assert response.status_code == 302
    assert DeliveredMeasure.objects.get(household=household).measure_type_id == "health"
    assert AuditEvent.objects.count() == before + 2
    # A member of another household is not offered, and an unknown cadre is refused in place.
    page = client.post(url, {"form": "visit", "cadre": "110101197501010000", "visited_on": "2019-04-02"})
    assert page.status_code == 200 and HouseholdVisit.objects.filter(household=household).count() == 1


# A household's plan ----------------------------------------------------------------------------------------------
def _plan_data(**extra):
    data = {"year": "2020", "causes": ["01", "07"], "outcome": "in_progress", "note": "",
            "planned-TOTAL_FORMS": "3", "planned-INITIAL_FORMS": "0", "planned-MIN_NUM_FORMS": "0",
            "planned-MAX_NUM_FORMS": "1000",
            "planned-0-measure_type": "health", "planned-0-planned_amount": "1200",
            "planned-1-measure_type": "industry", "planned-1-planned_amount": "3000", "planned-1-note": "草果"}
    return {**data, **extra}


def test_a_plan_is_drawn_up_with_its_causes_and_planned_measures(client, county):
    household = county["forgotten"]
    url = reverse("web:household-plan", args=[household.pk])
    log_in_as(client, SANHE)
    head = household.members.order_by("id").first()
    response = client.post(url, _plan_data(**{"planned-0-member": str(head.pk)}))
    assert response.status_code == 302 and response["Location"] == reverse("web:household-assistance",
                                                                           args=[household.pk])
    plan = Plan.objects.get(household=household)
    assert (plan.year, plan.causes, plan.outcome) == (2020, ["01", "07"], "in_progress")
    assert list(plan.planned.order_by("id").values_list("measure_type_id", "member_id", "planned_amount", "note")) \
        == [("health", head.pk, Decimal("1200.00"), ""), ("industry", None, Decimal("3000.00"), "草果")]
    [event] = events("assistance.record_saved")[-1:]
    assert (event.object_type, event.object_id, event.area_code) == ("assistance.plan", str(plan.pk), SANHE)
    # The page offers the plan again, filled in, and the assistance page links to it.
    page = client.get(url, {"year": "2020"}).content.decode()
    assert 'name="planned-1-note" value="草果"' in page
    assert 'name="causes" value="01" id="id_causes_0" checked>' in page
    assert 'name="causes" value="02" id="id_causes_1">' in page
    assert f'{url}?year=2020' in client.get(reverse("web:household-assistance", args=[household.pk])).content.decode()


def test_a_refused_plan_shows_the_services_message_and_writes_nothing(client, county):
    household = county["forgotten"]
    url = reverse("web:household-plan", args=[household.pk])
    log_in_as(client, SANHE)
    before = len(events("assistance.record_saved"))
    response = client.post(url, _plan_data(**{"planned-1-planned_amount": "-5"}))
    assert response.status_code == 200
    assert shown(_("Amounts cannot be negative.")) in in_form(response, "plan")
    assert (Plan.objects.filter(household=household).count(), len(events("assistance.record_saved"))) == (0, before)
    # A row with an amount but no measure is refused by the form, in its row.
    response = client.post(url, _plan_data(**{"planned-2-planned_amount": "50"}))
    assert shown(_("Choose a measure, or leave the row empty.")) in in_form(response, "plan")
    assert Plan.objects.filter(household=household).count() == 0
    log_in_as(client, SANHE, actions=["view"])
    response = client.post(url, _plan_data())
    assert shown(_("You do not have permission to do this in this area.")) in in_form(response, "plan")
    assert Plan.objects.filter(household=household).count() == 0


# Who may ---------------------------------------------------------------------------------------------------------
def test_a_user_granted_another_county_gets_404_and_writes_nothing(client, county):
    log_in_as(client, FUGONG)
    pages = [reverse("web:not-visited", args=[LUSHUI]),
             reverse("web:household-assistance", args=[county["visited"].pk]),
             reverse("web:household-plan", args=[county["visited"].pk])]
    for url in pages:
        assert client.get(url).status_code == 404, url
    before = AuditEvent.objects.count()
    cadre = make_cadre()
    assert client.post(pages[1], {"form": "visit", "cadre": cadre.id_number,
                                  "visited_on": "2019-04-02"}).status_code == 404
    assert client.post(pages[2], _plan_data()).status_code == 404
    assert AuditEvent.objects.count() == before
    assert Plan.objects.filter(year=2020).count() == 0


def test_the_pages_ask_a_visitor_to_log_in(client, county):
    for url in (reverse("web:not-visited", args=[LUSHUI]),
                reverse("web:household-assistance", args=[county["visited"].pk]),
                reverse("web:household-plan", args=[county["visited"].pk])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("web:login")), url
