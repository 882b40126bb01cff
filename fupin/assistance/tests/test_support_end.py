"""Support with its own end (issue 26): each end rule with hand-computed end days, measures that continue after
the household's risk is eliminated, and the lists per support category."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fupin.areas.models import Area
from fupin.assistance import selectors, services
from fupin.assistance.models import DeliveredMeasure, MeasureType
from fupin.cooperation.models import Party
from fupin.core.errors import ValidationFailed
from fupin.registry.models import Household
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user

pytestmark = pytest.mark.django_db
D = datetime.date
LUZHANG = "533301102201"


@pytest.fixture
def household():
    load_fixture_divisions()
    return register_poor_household(area=LUZHANG, size=2, status="1")


def deliver(household, code, on, **extra):
    return services.record_save(actor=system_user(), kind="delivered", data={
        "household": household, "measure_type": MeasureType.objects.get(code=code), "delivered_on": on,
        "amount": Decimal("1000"), **extra})


def loan_for(household, **extra):
    bank = Party.objects.create(kind="financial", name="泸水农商行", area=Area.objects.get(code="533301000000"))
    return services.record_save(actor=system_user(), kind="loan", data={
        "household": household, "bank": bank, "amount": Decimal("50000"), "issued_on": D(2023, 3, 1),
        "due_on": D(2026, 3, 1), "annual_rate": Decimal("4.35"), **extra})


def pupil(household, school_status):
    member = household.members.order_by("id").last()
    member.school_status = school_status
    member.save(update_fields=["school_status"])
    return member


def test_catalogue_end_rules_are_seeded():
    rules = dict(MeasureType.objects.values_list("code", "end_rule"))
    assert (rules["microcredit"], rules["public_job"], rules["education"], rules["industry"]) == (
        "loan", "agreement", "school_stage", "once")


def test_set_date_and_one_off(household):
    dated = deliver(household, "industry", D(2024, 4, 1), end_rule="date", agreement_ends_on=D(2025, 12, 31))
    once = deliver(household, "industry", D(2024, 5, 1))
    assert (dated.end_rule, dated.ends_on) == ("date", D(2025, 12, 31))
    assert (once.end_rule, once.ends_on) == ("once", D(2024, 5, 1))
    assert [m.pk for m in selectors.continuing_measures(household, D(2025, 12, 31))] == [dated.pk]
    assert selectors.continuing_measures(household, D(2026, 1, 1)) == []
    assert selectors.continuing_measures(household, D(2024, 3, 31)) == []  # not yet delivered
    with pytest.raises(ValidationFailed) as error:
        deliver(household, "industry", D(2024, 4, 1), end_rule="date", agreement_ends_on=D(2024, 3, 1))
    assert error.value.field == "ends_on"
    with pytest.raises(ValidationFailed) as error:
        deliver(household, "industry", D(2024, 4, 1), end_rule="date")
    assert error.value.field == "agreement_ends_on"


def test_loan_contract_end_follows_the_loan(household):
    loan = loan_for(household)
    measure = deliver(household, "microcredit", D(2023, 3, 1), loan=loan)  # the type's rule: the loan contract
    assert (measure.end_rule, measure.ends_on) == ("loan", D(2026, 3, 1))
    # Repaid in full on 30 June 2024: the contract, and the support, end that day.
    services.record_save(actor=system_user(), kind="loan", instance=loan, data={
        "repaid_amount": Decimal("50000"), "repaid_on": D(2024, 6, 30)})
    measure.refresh_from_db()
    assert measure.ends_on == D(2024, 6, 30)
    # Without its contract a microcredit measure is one-off; naming the rule without a loan is refused.
    assert deliver(household, "microcredit", D(2023, 4, 1)).end_rule == "once"
    with pytest.raises(ValidationFailed) as error:
        deliver(household, "microcredit", D(2023, 4, 1), end_rule="loan")
    assert error.value.field == "loan"
    other = register_poor_household(area=LUZHANG, size=1, status="1")
    with pytest.raises(ValidationFailed) as error:
        deliver(other, "microcredit", D(2023, 4, 1), loan=loan)
    assert error.value.field == "loan"


def test_public_welfare_post_to_the_end_of_its_agreement(household):
    post = deliver(household, "public_job", D(2024, 1, 1), agreement_ends_on=D(2024, 12, 31))
    assert (post.end_rule, post.ends_on) == ("agreement", D(2024, 12, 31))
    with pytest.raises(ValidationFailed) as error:
        deliver(household, "public_job", D(2024, 1, 1), end_rule="agreement")
    assert error.value.field == "agreement_ends_on"


@pytest.mark.parametrize(("status", "delivered", "end"), [
    ("10", D(2024, 10, 10), D(2026, 8, 31)),  # 中职二年级 in school year 2024/25: one more year after it
    ("09", D(2024, 3, 1), D(2026, 8, 31)),  # 中职一年级 in school year 2023/24: two more years
    ("11", D(2025, 5, 20), D(2025, 8, 31)),  # 中职三年级: the stage ends with this school year
    ("12", D(2025, 9, 1), D(2028, 8, 31)),  # 高职一年级 from the first day of school year 2025/26
    ("08", D(2025, 8, 31), D(2025, 8, 31)),  # 高中三年级 on the last day of the school year
])
def test_school_stage_end(household, status, delivered, end):
    member = pupil(household, status)
    measure = deliver(household, "education", delivered, member=member)
    assert (measure.end_rule, measure.school_status, measure.ends_on) == ("school_stage", status, end)
    # The stage is kept as recorded when the support began: a later change of the member does not move it.
    member.school_status = "00"
    member.save(update_fields=["school_status"])
    measure.refresh_from_db()
    assert measure.ends_on == end


def test_school_stage_needs_a_recorded_year(household):
    member = pupil(household, "16")  # 本科: the year of the stage is not recorded
    assert deliver(household, "education", D(2024, 10, 1), member=member).end_rule == "once"
    with pytest.raises(ValidationFailed) as error:
        deliver(household, "education", D(2024, 10, 1), member=member, end_rule="school_stage")
    assert error.value.field == "member"
    with translation.override("en"):
        assert "no year of a school stage" in str(error.value)


def test_measures_continue_after_risk_elimination_and_show_per_category(household):
    member = pupil(household, "10")
    school = deliver(household, "education", D(2024, 10, 10), member=member)
    post = deliver(household, "public_job", D(2024, 1, 1), agreement_ends_on=D(2025, 6, 30))
    deliver(household, "industry", D(2024, 2, 1))
    Household.objects.filter(pk=household.pk).update(monitoring_category="1", risk_status="2")  # risk eliminated
    on = D(2025, 3, 1)
    assert [m.pk for m in selectors.continuing_measures(household, on)] == [post.pk, school.pk]
    assert [m.pk for m in selectors.continuing_measures(household, D(2025, 7, 1))] == [school.pk]
    actor = make_user(role="county_approver", area="533301000000")
    listed = selectors.category_households(actor=actor, area_code="533301", category="monitoring_1")
    assert list(listed) == [household]
    assert list(selectors.category_households(actor=actor, area_code="533301", category="monitoring_2")) == []
    assert list(selectors.category_households(actor=actor, area_code="533301", category="exited")) == [household]
    running = selectors.continuing_by_household([household.pk], on)
    assert [m.pk for m in running[household.pk]] == [post.pk, school.pk]


def test_pages_show_continuing_support(household):
    member = pupil(household, "09")  # 中职一年级 in school year 2026/27: the stage ends on 31 August 2029
    deliver(household, "education", D(2026, 10, 10), member=member)
    Household.objects.filter(pk=household.pk).update(monitoring_category="1", risk_status="2")
    client = Client()
    client.force_login(make_user(role="county_approver", area="533301000000"))
    with translation.override("en"):
        page = client.get(reverse("web:support-by-category", args=["533301000000"]),
                          {"category": "monitoring_1", "on": "2027-03-01"}, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200
        assert household.number in page.content.decode()
        assert "continuing until 2029-08-31" in page.content.decode()
        page = client.get(reverse("web:household-assistance", args=[household.pk]), HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 200 and "continuing until 2029-08-31" in page.content.decode()


def test_delivered_measures_in_bulk_take_their_end_rules(household):
    from fupin.assistance.bulk import delivered_bulk_create

    member = pupil(household, "11")
    created = delivered_bulk_create(actor=system_user(), records=[
        DeliveredMeasure(household=household, measure_type=MeasureType.objects.get(code="education"),
                         member=member, delivered_on=D(2025, 5, 20), amount=Decimal("1500")),
        DeliveredMeasure(household=household, measure_type=MeasureType.objects.get(code="industry"),
                         delivered_on=D(2025, 5, 20), amount=Decimal("1500"))])
    assert sorted((m.end_rule, m.ends_on) for m in created) == [("once", D(2025, 5, 20)),
                                                                ("school_stage", D(2025, 8, 31))]


def test_api_records_an_end_rule(household):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(make_user(role="county_approver", area="533301000000"))
    loan = loan_for(household)
    response = client.post("/api/assistance/measures/", {
        "household": household.pk, "measure_type": "microcredit", "delivered_on": "2023-03-01", "amount": "0",
        "loan": loan.pk}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["end_rule"], response.json()["ends_on"]) == ("loan", "2026-03-01")
    response = client.post("/api/assistance/measures/", {
        "household": household.pk, "measure_type": "industry", "delivered_on": "2024-01-01",
        "end_rule": "date"}, format="json")
    assert response.status_code == 400 and "agreement_ends_on" in response.content.decode()
