"""The scan's shortcuts change nothing it finds: the ID numbers proven valid in numpy are exactly ones
`parse_id_number` accepts, and the households the database picks for the consistency rules include every household
the registry's rules warn on (checked on randomly drawn households against running the rules everywhere)."""

import datetime
import random

import pytest

from fupin.core.idnumbers import IdNumberError, check_character, parse_id_number
from fupin.quality import checks, services
from fupin.quality.models import QualityRule
from fupin.registry import consistency
from fupin.registry.models import Household, Member
from fupin.testing.factories import load_fixture_divisions, system_user

VILLAGE = "533301102201"
TODAY = datetime.date(2019, 12, 31)


def _number(region="533301", birth="19800101", sequence="001") -> str:
    first17 = f"{region}{birth}{sequence}"
    return first17 + check_character(first17)


def _accepted(number: str) -> bool:
    try:
        parse_id_number(number, today=TODAY)
    except IdNumberError:
        return False
    return True


EDGE_NUMBERS = [
    _number(), _number(birth="19000101"), _number(birth="18991231"), _number(birth="19991231"),
    _number(birth="20191231"), _number(birth="20200101"), _number(birth="19800229"), _number(birth="19810229"),
    _number(birth="19800230"), _number(birth="19801301"), _number(birth="19800100"), _number(birth="19800431"),
    _number(birth="19800531"), _number(region="999999"), _number(region="530100"), _number(region="530101"),
    _number(region="530102"), _number(region="110000"), _number(region="000000"), _number()[:17] + "Z",
    _number().lower(), f" {_number()}", f"{_number()} ", _number()[:17], _number() + "1", "53330119800101001",
    "533301800101001", "53330180010100", "５３３３０１１９８００１０１００１Ｘ", "53330119800101001x", "X" * 18,
    "5333011980010100１" + "1", "",
]


def test_proven_valid_numbers_are_accepted():
    rng = random.Random(7)
    numbers = [*EDGE_NUMBERS, "53330119800101001\x00"]  # (PostgreSQL cannot store a NUL)
    for _ in range(3000):  # valid numbers and single-character corruptions of them
        number = _number(region=rng.choice(["533301", "530102", "110101", "440300", "999999", "530100"]),
                         birth=f"{rng.randint(1895, 2021)}{rng.randint(1, 12):02d}{rng.randint(1, 31):02d}",
                         sequence=f"{rng.randint(0, 999):03d}")
        numbers.append(number)
        position = rng.randrange(18)
        numbers.append(number[:position] + rng.choice("0123456789X x") + number[position + 1:])
    memo = {"regions": {}, "dates": {}}
    proven = checks._proven_valid(numbers, TODAY, memo)
    assert [number for number, ok in zip(numbers, proven, strict=True) if ok and not _accepted(number)] == []
    # The shortcut does its work: the well-formed numbers parse_id_number accepts are proven valid.
    well_formed = [ok for number, ok in zip(numbers, proven, strict=True)
                   if _accepted(number) and number == number.strip().upper() and len(number) == 18
                   and number[4:] != "0229"]
    assert sum(well_formed) > 0.95 * len(well_formed)


@pytest.fixture
def village():
    load_fixture_divisions()


def _household(n: int, **fields) -> Household:
    values = {"number": f"{VILLAGE}{n:05d}", "area_id": VILLAGE, "county_code": VILLAGE[:6], "attribute": "01",
              "main_cause": "07", "identified_year": 2014, "status": "0", **fields}
    return Household.objects.create(**values)


def _rule(check_name: str, **params) -> QualityRule:
    return QualityRule(code=params.get("rule", check_name), check_name=check_name, params=params)


def _found(hits) -> list[tuple]:
    return [(code, hit.household_id, hit.member_id, hit.text("en"), hit.text("zh-hans")) for code, hit in hits]


@pytest.mark.django_db
def test_id_number_check_matches_validating_every_number(village):
    household = _household(1)
    for sequence, number in enumerate(dict.fromkeys(EDGE_NUMBERS)):  # an active member's number is unique
        Member.objects.create(household=household, name=f"成员{sequence}", sex="1", relation="99",
                              id_number=number or None, ethnicity="01", health="1")
    _code, scope = services._scope(system_user(), "533301", 2019)
    expected = []
    for member in Member.objects.filter(household=household).exclude(id_number=None).exclude(id_number=""):
        try:
            parse_id_number(member.id_number, today=scope.year_end)
        except IdNumberError as error:
            expected.append(("id", household.pk, member.pk, error.message, error.params))
    expected = _found(("id", checks.Hit(h, m, message, params)) for _c, h, m, message, params in expected)
    found = _found(checks.CHECKS["id_number_invalid"]([_rule("id_number_invalid", rule="id")], scope))
    assert found == expected
    assert len(found) > 15


RELATIONS = ["01", "01", "02", "03", "04", "05", "07", "08", "09", "10", "11", "12", "13", "14", "17", "20",
             "21", "22", "23", "99"]


def _random_member(rng: random.Random, household: Household, index: int) -> Member:
    year = rng.choice([None, rng.randint(1920, 2020), 2019 - 16, 2019 - 15, 2019 - 14, 2019 - 20, 2019 - 19,
                       2019 - 60, 2019 - 61])
    birth = None if year is None else datetime.date(year, rng.choice([1, 7, 12]), rng.choice([1, 15, 31]))
    return Member(household=household, name=f"成员{index}", sex=rng.choice("1129"),
                  relation=rng.choice(RELATIONS if index else ["01", "01", "02", "99"]), birth_date=birth,
                  ethnicity="01", health=rng.choice(["", "1", "1", "2", "3", "4"]),
                  labour=rng.choice(["", "1", "2", "3", "4", "5"]),
                  school_status=rng.choice(["", "00", "00", "01", "02", "05", "06", "10", "18"]),
                  work_location=rng.choice(["", "", "1", "4"]), work_months=rng.choice([None, 0, 0, 3, 12]),
                  on_dibao=rng.choice([None, False, False, True]), is_active=rng.random() < 0.9)


@pytest.mark.django_db
def test_consistency_candidates_cover_the_rules(village):
    rng = random.Random(11)
    for n in range(300):
        household = _household(
            n, attribute=rng.choice(["01", "01", "02", "04", "07"]), main_cause=rng.choice(["01", "02", "03", "07"]),
            other_causes=rng.choice([[], [], ["01"], ["02", "07"], ["03"], ["07"], ["1"]]))
        Member.objects.bulk_create(_random_member(rng, household, i) for i in range(rng.randint(0, 6)))
    _household(9999, status="9", main_cause="01")  # removed: outside the scope
    _code, scope = services._scope(system_user(), "533301", 2019)
    for code in consistency.RULES:  # one rule at a time, so that another rule's condition cannot cover a miss
        by_code = {code: _rule("consistency", rule=code)}
        everywhere = _found(checks._consistency_hits(by_code, scope, None))
        candidates = checks._consistency_candidates([code], scope)
        assert _found(checks._consistency_hits(by_code, scope, candidates)) == everywhere, code
        assert everywhere, code  # the drawn households exercise every rule
        assert len(candidates) < 300, code  # and the database did leave households out


@pytest.mark.django_db
def test_a_rule_without_a_condition_runs_everywhere(village, monkeypatch):
    monkeypatch.setitem(consistency.RULES, "new_rule", ("new", lambda household, members, year, day: []))
    _code, scope = services._scope(system_user(), "533301", 2019)
    assert checks._consistency_candidates(["relation_sex", "new_rule"], scope) is None
