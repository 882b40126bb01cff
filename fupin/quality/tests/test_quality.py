"""Each built-in rule on a failing and a passing household; the scan → fix → rescan loop; explanations; the
CLI contract; province switches and scoping."""

import datetime
import itertools
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from fupin.core.errors import PermissionDenied
from fupin.quality import selectors, services
from fupin.quality.models import Finding, QualityRule
from fupin.registry.models import ConsistencyRuleSwitch, DuplicateCandidate, Household, HouseholdYear, Member
from fupin.testing.factories import (
    id_number,
    load_fixture_divisions,
    make_cadre,
    make_user,
    member_data,
    register_household,
    system_user,
)

pytestmark = pytest.mark.django_db
VILLAGE = "533301102201"
_numbers = itertools.count(1)


def household(year=2019, status="0", income="3000", **year_extra) -> Household:
    n = next(_numbers)
    members = [member_data(name=f"户主{n}", id_number=id_number(birth="19800101", sequence=f"{n * 2 + 1:03d}")),
               member_data(name=f"配偶{n}", relation="配偶",
                           id_number=id_number(birth="19820304", sequence=f"{n * 2 + 2:03d}"))]
    year_data = {"size_end": 2, "status": status, "wage_income": str(int(income) * 2), **year_extra}
    year_data.update({name: True for name in ("food_secure", "clothing_secure", "education_secure",
                                               "medical_secure", "housing_secure", "water_secure")})
    return register_household(number=f"{VILLAGE}{n:05d}", members=members, year=year, year_data=year_data,
                              status=status).household


def head(h):
    return h.members.get(relation="01")


def spouse(h):
    return h.members.get(relation="02")


def _update(model, pk, **values):
    model.objects.filter(pk=pk).update(**values)


def _year(h, **values):
    HouseholdYear.objects.filter(household=h).update(**values)


# rule → how to make a household fail it; returns the member the finding names (or None).
BREAK = {
    "id_number_invalid": lambda h: _update(Member, head(h).pk, id_number=head(h).id_number[:17] + (
        "0" if head(h).id_number[17] != "0" else "1")) or head(h),
    "head_missing": lambda h: _update(Member, head(h).pk, relation="23"),
    "key_fields_empty": lambda h: _update(Member, spouse(h).pk, ethnicity="") or spouse(h),
    "exited_unresolved": lambda h: _year(h, status="1"),
    "income_out_of_range": lambda h: _year(h, net_income_per_capita=Decimal("0")),
    "business_without_expense": lambda h: _year(h, business_income=Decimal("5000")),
    "land_per_capita": lambda h: _year(h, cultivated_land=Decimal("200")),
    "road_distance": lambda h: _year(h, road_distance_km=Decimal("80")),
    "duplicate_person": lambda h: DuplicateCandidate.objects.create(
        member=spouse(h), other=head(household())) and spouse(h),
    "relation_sex": lambda h: Member.objects.create(
        household=h, name="女儿", sex="2", relation="03", birth_date=datetime.date(2005, 1, 1), ethnicity="01",
        health="1", labour="5", school_status="05"),
    "spouse_same_sex": lambda h: _update(Member, spouse(h).pk, sex="1") or spouse(h),
    "relation_age": lambda h: Member.objects.create(
        household=h, name="父亲", sex="1", relation="11", birth_date=datetime.date(1990, 1, 1), ethnicity="01",
        health="1", labour="1", school_status="00"),
    "cause_members": lambda h: _update(Household, h.pk, main_cause="01"),
    "other_cause_repeats_main": lambda h: _update(Household, h.pk, other_causes=["07"]),
    "labour_age_health": lambda h: Member.objects.create(
        household=h, name="孩子", sex="1", relation="03", birth_date=datetime.date(2010, 1, 1), ethnicity="01",
        health="1", labour="1", school_status="02"),
    "work_months": lambda h: _update(Member, head(h).pk, work_location="4", work_months=None) or head(h),
    "school_age": lambda h: _update(Member, spouse(h).pk, school_status="02") or spouse(h),
    "allowance_attribute": lambda h: _update(Household, h.pk, attribute="04"),
}


@pytest.fixture
def village():
    load_fixture_divisions()


def scan(rules, year=2019, area="533301"):
    services.scan_run(actor=system_user(), year=year, area_code=area, rules=rules)
    return list(Finding.objects.filter(status="open", rule_id__in=rules, year=year).order_by("id"))


def test_every_rule_has_a_case():
    from .test_comparison import LISTED

    assert set(BREAK) | set(LISTED) | {"monitoring_missed", "no_responsible_cadre", "poor_cadre"} == set(
        QualityRule.objects.values_list("code", flat=True))


@pytest.mark.parametrize("rule", sorted(BREAK))
def test_rule_fails_and_passes(village, rule):
    passing = household()
    failing = household()
    member = BREAK[rule](failing)
    found = scan([rule])
    assert [(f.household_id, f.rule_id) for f in found] == [(failing.pk, rule)], [f.message for f in found]
    if isinstance(member, Member):
        assert found[0].member_id == member.pk
    assert found[0].message and found[0].message_en
    assert passing.pk not in {f.household_id for f in found}


def test_monitoring_missed(village):
    passing = household(year=2021, status="1", income="7000")
    failing = household(year=2021, status="1", income="5000")  # under the 2021 threshold of 6000
    monitored = household(year=2021, status="1", income="5000")
    _year(monitored, monitoring_category="1")
    found = scan(["monitoring_missed"], year=2021)
    assert [f.household_id for f in found] == [failing.pk]
    assert passing.pk != failing.pk
    assert scan(["monitoring_missed"], year=2019) == []


def test_scan_fix_rescan_and_explain(village):
    h = household()
    _year(h, road_distance_km=Decimal("80"))
    other = household()
    _year(other, road_distance_km=Decimal("90"))
    first = scan(["road_distance"])
    assert len(first) == 2
    again = scan(["road_distance"])
    assert [f.pk for f in again] == [f.pk for f in first]  # found again: the same findings, not new ones
    _year(h, road_distance_km=Decimal("8"))  # fixed at the source
    scan(["road_distance"])
    assert Finding.objects.get(household=h).status == "fixed"
    finding = Finding.objects.get(household=other)
    clerk = make_user(role="village_operator", area=VILLAGE)
    services.finding_explain(actor=clerk, finding=finding, explanation="山区村，确实距主干路90公里")
    reviewer = make_user(role="county_approver", area="533301000000")
    with pytest.raises(PermissionDenied):  # a village operator may not approve
        services.finding_accept(actor=clerk, finding=finding, accept=True)
    services.finding_accept(actor=reviewer, finding=finding, accept=True)
    scan(["road_distance"])
    finding.refresh_from_db()
    assert finding.status == "accepted"  # still found, but explained and accepted: not open
    assert selectors.finding_list(actor=reviewer).count() == 0


def test_province_switch(village):
    h = household()
    _update(Household, h.pk, main_cause="01")
    ConsistencyRuleSwitch.objects.create(rule="cause_members", province_code="53", enabled=False)
    assert scan(["cause_members"]) == []
    ConsistencyRuleSwitch.objects.all().delete()
    QualityRule.objects.filter(code="cause_members").update(disabled_provinces=["53"])
    assert scan(["cause_members"]) == []
    QualityRule.objects.filter(code="cause_members").update(disabled_provinces=["44"])
    assert len(scan(["cause_members"])) == 1


def test_cli_contract_and_scope(village, capsys):
    h = household()
    bad = Member.objects.get(pk=BREAK["id_number_invalid"](h).pk)
    _year(h, road_distance_km=Decimal("80"))
    call_command("quality", "scan", "--area", "533301", "--year", "2019", "--rules",
                 "id_number_invalid,road_distance", "--format", "json")
    rows = json.loads(capsys.readouterr().out)
    assert [set(row) for row in rows] == [{"rule", "household", "member", "area", "message"}] * 2
    assert sorted((r["rule"], r["household"], r["member"], r["area"]) for r in rows) == [
        ("id_number_invalid", h.number, bad.id_number, VILLAGE), ("road_distance", h.number, None, VILLAGE)]
    call_command("quality", "summary", "--area", "5333", "--format", "json")
    assert json.loads(capsys.readouterr().out) == [
        {"area": "533301000000", "rule": "id_number_invalid", "open": 1},
        {"area": "533301000000", "rule": "road_distance", "open": 1}]
    outsider = make_user(role="county_approver", area="533323000000")
    with pytest.raises(PermissionDenied):
        services.scan_run(actor=outsider, year=2019, area_code="533301")
    assert selectors.finding_list(actor=outsider).count() == 0


def test_api(village, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    h = household()
    _year(h, road_distance_km=Decimal("80"))
    client = APIClient()
    clerk = make_user(role="village_operator", area=VILLAGE)
    client.force_authenticate(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/quality/scans/", {"year": 2019, "area": VILLAGE, "rules": ["road_distance"]},
                               format="json")
    assert response.status_code == 202
    assert client.get(f"/api/jobs/{response.json()['id']}/").json()["status"] == "succeeded"
    listed = client.get("/api/quality/findings/", {"year": 2019}).json()
    items = listed["results"] if isinstance(listed, dict) else listed
    assert [(item["rule"], item["household"]) for item in items] == [("road_distance", h.number)]
    explained = client.post(f"/api/quality/findings/{items[0]['id']}/explain/", {"explanation": "确实很远"})
    assert explained.json()["status"] == "explained"
    assert client.get("/api/quality/summary/", {"area": VILLAGE[:9]}).json() == []


def _responsible(h, cadre, start, end=None):
    from fupin.assistance import services as assistance

    assistance.record_save(actor=system_user(), kind="responsibility", data={
        "household": h, "cadre": cadre, "level": "county", "start_date": start, "end_date": end})


def test_responsible_cadres(village):
    """Poor households need a cadre serving at the end of the year; a cadre may not be a member of a poor
    household."""
    served, forgotten, left, exited = household(), household(), household(), household(status="1")
    cadre = make_cadre(id_number_value=id_number("533301", "19750101", "901"))
    _responsible(served, cadre, datetime.date(2018, 1, 1))
    _responsible(left, make_cadre(), datetime.date(2018, 1, 1), datetime.date(2019, 6, 30))  # gone before year end
    found = scan(["no_responsible_cadre"])
    assert sorted(f.household_id for f in found) == sorted([forgotten.pk, left.pk])
    assert found[0].message == "2019 年末为贫困户或监测户，但没有帮扶责任人。"
    assert exited.pk not in {f.household_id for f in found}
    assert scan(["poor_cadre"]) == []
    # The cadre's own household becomes a registered poor one: the member who serves is named.
    n = next(_numbers)
    own = register_household(number=f"{VILLAGE}{n:05d}", members=[member_data(
        name="王干部", id_number=cadre.id_number)], year=2019, year_data={"size_end": 1, "status": "0",
                                                                          "wage_income": "3000"}, status="0").household
    found = scan(["poor_cadre"])
    assert [(f.household_id, f.member_id) for f in found] == [(own.pk, own.members.get().pk)]


def test_incomes_not_entered_are_not_out_of_range(village):
    """A year opened by the roll-forward has its incomes not entered (None): unknown, not 0, so neither the income
    range nor the business-expense rule nor the monitoring check flags it; the same year with 0 entered is."""
    from fupin.registry.services import registry_roll_forward

    for status in ("0", "1"):
        household(year=2020, status=status)
    registry_roll_forward(actor=system_user(), year=2021)
    assert HouseholdYear.objects.filter(year=2021, net_income_per_capita__isnull=True).count() == 2
    rules = ["income_out_of_range", "business_without_expense", "monitoring_missed", "exited_unresolved"]
    assert scan(rules, year=2021) == []
    zero = HouseholdYear.objects.filter(year=2021, status="0").get()
    HouseholdYear.objects.filter(pk=zero.pk).update(net_income_per_capita=Decimal("0"))
    assert [(f.household_id, f.rule_id) for f in scan(rules, year=2021)] == [(zero.household_id,
                                                                              "income_out_of_range")]
