"""Each hard rule refuses with a failing example and accepts a passing one; each consistency rule warns."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from fupin.registry.consistency import RULES, warnings_for
from fupin.registry.validation import (
    check_income,
    check_structure,
    clean_household,
    clean_member,
    clean_year,
    compute_income,
)
from fupin.testing.factories import id_number, member_data

TODAY = datetime.date(2026, 11, 22)


def messages(problems):
    with translation.override("en"):
        return [(p.field, p.member, p.text()) for p in problems]


def test_a_clean_member_is_accepted_with_labels_or_codes():
    cleaned, problems = clean_member(member_data(relation="01", ethnicity="20", education="2"), today=TODAY)
    assert problems == []
    assert (cleaned["relation"], cleaned["ethnicity"], cleaned["education"], cleaned["sex"]) == ("01", "20", "2", "1")
    assert cleaned["birth_date"] == datetime.date(1980, 1, 1)
    labelled, _ = clean_member(member_data(), today=TODAY)
    assert (labelled["relation"], labelled["ethnicity"], labelled["health"]) == ("01", "20", "1")


def test_traditional_labels_are_accepted():
    cleaned, problems = clean_member(member_data(relation="戶主", ethnicity="傈僳族", education="文盲或半文盲",
                                                 labour="無勞動力"), today=TODAY)
    assert problems == [] and (cleaned["relation"], cleaned["labour"]) == ("01", "5")


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"id_number": "533301198001010011"}, ("id_number", None, "The check digit of the ID number is wrong.")),
        ({"sex": "女"}, ("sex", None, "The sex does not match the ID number (odd 17th digit: male).")),
        ({"birth_date": "1981-01-01"}, ("birth_date", None, "The birth date does not match the ID number.")),
        ({"relation": "之叔"}, ("relation", None, "“之叔” is not a value of 与户主关系.")),
        ({"name": ""}, ("name", None, "A value is required.")),
        ({"work_months": "13"}, ("work_months", None, "13 is outside 0–12.")),
        ({"in_basic_medical": "也许"}, ("in_basic_medical", None, "“也许” is not yes/no (是/否).")),
        ({"id_number": "", "sex": ""}, ("sex", None, "A value is required.")),
    ],
)
def test_hard_member_rules(overrides, expected):
    _cleaned, problems = clean_member(member_data(**overrides), today=TODAY)
    assert messages(problems) == [expected]


def test_disability_certificate_numbers_and_15_digit_ids():
    cleaned, problems = clean_member(member_data(id_number=id_number() + "42"), today=TODAY)
    assert problems == [] and (cleaned["id_kind"], cleaned["id_number"]) == ("2", id_number())
    upgraded, problems = clean_member(member_data(id_number="110105491231002", sex=""), today=TODAY)
    assert problems == [] and upgraded["id_number"] == "11010519491231002X" and upgraded["sex"] == "2"


def test_structure_one_head_unique_ids_and_size():
    head = {"relation": "01", "id_number": "A"}
    spouse = {"relation": "02", "id_number": "B"}
    assert check_structure([head, spouse], 2) == []
    assert messages(check_structure([spouse], None)) == [
        ("relation", None, "A household has exactly one head; this one has 0.")]
    assert messages(check_structure([head, {**head, "id_number": "C"}], None)) == [
        ("relation", 1, "A household has exactly one head; this one has 2.")]
    assert messages(check_structure([head, {**spouse, "id_number": "A"}], None)) == [
        ("id_number", 1, "The same ID number is given for member 1.")]
    assert messages(check_structure([head, spouse], 3)) == [
        ("size_end", None, "The household size is 3 but 2 members are listed.")]


def test_household_rules():
    base = {"number": "1", "attribute": "低保贫困户", "main_cause": "因病", "identified_year": "2014"}
    cleaned, problems = clean_household({**base, "other_causes": "缺技术、缺资金"})
    assert problems == [] and (cleaned["attribute"], cleaned["other_causes"]) == ("04", ["07", "09"])
    _c, problems = clean_household({**base, "other_causes": "缺技术、缺资金、缺水"})
    assert messages(problems) == [("other_causes", None, "At most two other causes may be given.")]
    _c, problems = clean_household({**base, "attribute": "富裕户"})
    assert messages(problems) == [("attribute", None, "“富裕户” is not a value of 贫困户属性.")]
    _c, problems = clean_household({**base, "main_cause": "因婚"}, causes_extras_allowed=False)
    assert messages(problems) == [("main_cause", None, "“因婚” is not used as a cause in this province.")]
    assert clean_household({**base, "main_cause": "因婚"})[1] == []
    _c, problems = clean_household({**base, "phone": "138-abc"})
    assert messages(problems) == [("phone", None, "A phone number has digits only.")]


def test_income_is_computed_by_the_national_rule():
    year, problems = clean_year({"wage_income": "8000", "business_income": "3000.50", "property_income": "200",
                                 "dibao_payment": "1200", "pension_payment": "800", "business_expense": "1500",
                                 "size_end": "4"})
    assert problems == []
    # 8000 + 3000.50 + 200 + (1200 + 800) − 1500 = 11,700.50; / 4 = 2,925.125 → 2,925.13 (to the fen).
    assert compute_income(year, 4) == (Decimal("11700.50"), Decimal("2925.13"))


def test_income_hard_rules():
    _year, problems = clean_year({"wage_income": "-1"})
    assert messages(problems) == [("wage_income", None, "This amount cannot be negative.")]
    year, _ = clean_year({"transfer_income": "500", "dibao_payment": "600"})
    assert messages(check_income(year, 2)) == [
        ("transfer_income", None, "The transfer items add up to more than the transfer income.")]
    year, _ = clean_year({"wage_income": "4000", "net_income_per_capita": "3000"})
    assert messages(check_income(year, 2)) == [
        ("net_income_per_capita", None, "The per-capita net income 3000.00 does not match the components (2000.00).")]
    year, _ = clean_year({"wage_income": "4000", "net_income_per_capita": "2000"})
    assert check_income(year, 2) == []


def _member(relation, sex, birth, **extra):
    return {"relation": relation, "sex": sex, "birth_date": datetime.date.fromisoformat(birth), "health": "1",
            "labour": "1", "school_status": "00", "work_location": "", "work_months": None, "on_dibao": False,
            **extra}


HEAD = _member("01", "1", "1970-01-01")
HOUSEHOLD = {"main_cause": "07", "other_causes": [], "attribute": "01"}


@pytest.mark.parametrize(
    ("rule", "household", "members", "passing_members"),
    [
        ("relation_sex", HOUSEHOLD, [HEAD, _member("04", "1", "1995-01-01")],
         [HEAD, _member("04", "2", "1995-01-01")]),
        ("spouse_same_sex", HOUSEHOLD, [HEAD, _member("02", "1", "1972-01-01")],
         [HEAD, _member("02", "2", "1972-01-01")]),
        ("relation_age", HOUSEHOLD, [HEAD, _member("11", "1", "1980-01-01")],
         [HEAD, _member("11", "1", "1945-01-01")]),
        ("cause_members", {**HOUSEHOLD, "main_cause": "02"}, [HEAD], [{**HEAD, "health": "4"}]),
        ("other_cause_repeats_main", {**HOUSEHOLD, "other_causes": ["07"]}, [HEAD], None),
        ("labour_age_health", HOUSEHOLD, [HEAD, _member("03", "1", "2015-01-01")],
         [HEAD, _member("03", "1", "2015-01-01", labour="5")]),
        ("work_months", HOUSEHOLD, [{**HEAD, "work_location": "4"}],
         [{**HEAD, "work_location": "4", "work_months": 8}]),
        ("school_age", HOUSEHOLD, [HEAD, _member("03", "1", "2014-01-01", labour="5", school_status="06")],
         [HEAD, _member("03", "1", "2014-01-01", labour="5", school_status="04")]),
        ("allowance_attribute", {**HOUSEHOLD, "attribute": "04"}, [HEAD], [{**HEAD, "on_dibao": True}]),
    ],
)
@pytest.mark.django_db
def test_consistency_rules_warn_on_failing_and_not_on_passing(rule, household, members, passing_members):
    found = warnings_for(household, members, None, province_code="53", day=TODAY)
    assert [w.rule for w in found] == [rule]
    assert all(w.severity == "warning" for w in found)
    passing_household = {**household, "other_causes": []} if passing_members is None else household
    assert warnings_for(passing_household, passing_members or members, None, province_code="53", day=TODAY) == []


@pytest.mark.django_db
def test_a_province_switches_a_rule_off():
    from fupin.registry.models import ConsistencyRuleSwitch

    members = [HEAD, _member("02", "1", "1972-01-01")]
    ConsistencyRuleSwitch.objects.create(rule="spouse_same_sex", province_code="14", enabled=False)
    assert warnings_for(HOUSEHOLD, members, None, province_code="14", day=TODAY) == []
    assert [w.rule for w in warnings_for(HOUSEHOLD, members, None, province_code="53", day=TODAY)] == [
        "spouse_same_sex"]


def test_every_rule_has_a_test_case():
    tested = {"relation_sex", "spouse_same_sex", "relation_age", "cause_members", "other_cause_repeats_main",
              "labour_age_health", "work_months", "school_age", "allowance_attribute"}
    assert set(RULES) == tested
