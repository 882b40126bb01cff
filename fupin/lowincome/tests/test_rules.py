"""Formulas and thresholds as data (issue 26 item 2): the safe evaluator, the most local row winning, last
year's values, the monitoring range shared with the rules. Every expected value is computed by hand."""

from decimal import Decimal

import pytest
from django.utils import translation

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.lowincome import formulas, parameters, services
from fupin.lowincome.models import Parameter
from fupin.testing.factories import load_fixture_divisions, make_user, system_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def divisions():
    load_fixture_divisions()


def test_formula_arithmetic_in_decimal():
    values = {"dibao_rural": Decimal("455"), "dibao_line": Decimal("5460")}
    assert formulas.evaluate("2 * dibao_rural * 12", values.__getitem__) == Decimal("10920")
    assert formulas.evaluate("1.5 * dibao_line", values.__getitem__) == Decimal("8190.0")
    assert formulas.evaluate("(dibao_line - 460) / 4", values.__getitem__) == Decimal("1250")
    assert formulas.evaluate("-dibao_rural + 1000", values.__getitem__) == Decimal("545")
    assert formulas.names("1.5 * dibao_line + dibao_line * 0") == ["dibao_line"]


@pytest.mark.parametrize("formula", [
    "__import__('os').system('true')", "dibao_rural ** 2", "dibao_rural if 1 else 2", "'5460'", "a.b",
    "max(1, 2)", "a[0]", "1 < 2", "True + 1", "lambda: 1", "", "x" * 201, "1 +", "a % 2", "a // 2",
])
def test_formula_refuses_anything_but_arithmetic(formula):
    with pytest.raises(ValidationFailed):
        formulas.parse(formula)


def test_division_by_zero_is_an_error_not_a_crash():
    with translation.override("en"), pytest.raises(ValidationFailed, match="divides by zero"):
        formulas.evaluate("dibao_line / (dibao_rural - 455)", {"dibao_line": Decimal(1),
                                                               "dibao_rural": Decimal(455)}.__getitem__)


def test_seeded_thresholds_for_lushui_2023():
    found = parameters.thresholds(2023, "533301")
    # 云南 2023: 455 yuan a month → 5,460 a year; edge 1.5 × 5,460 = 8,190; last year's (2022) disposable income
    # 15,147; share 0.5; monitoring range from rules.MonitoringThreshold (national 2023: 6,900).
    assert {code: value.amount for code, value in found.items()} == {
        "dibao_line": Decimal("5460"), "edge_line": Decimal("8190.0"), "rigid_income_line": Decimal("15147"),
        "rigid_spending_share": Decimal("0.5"), "monitoring_line": Decimal("6900")}
    edge = found["edge_line"].provenance()
    assert edge["formula"] == "1.5 * dibao_line" and edge["place"] == "CN" and edge["certainty"] == "V"
    assert edge["inputs"][0]["inputs"][0] == {
        "code": "dibao_rural", "year": 2023, "amount": "455.0000", "place": "53", "formula": "", "certainty": "U",
        "source": Parameter.objects.get(code="dibao_rural", year=2023).source, "inputs": []}
    assert found["rigid_income_line"].inputs[0].year == 2022
    assert found["monitoring_line"].source.startswith("rules.MonitoringThreshold")


def test_county_row_wins_over_province_and_nation():
    services.parameter_save(actor=system_user(), data={
        "code": "monitoring_line", "year": 2024, "county_code": "533323", "formula": "2 * dibao_rural * 12",
        "source": "福贡县 2024 年度监测范围（示例）", "certainty": "L"})
    # 福贡: 2 × 480 × 12 = 11,520; 泸水 keeps the national range of 2024 (7,100).
    assert parameters.thresholds(2024, "533323")["monitoring_line"].amount == Decimal("11520")
    assert parameters.thresholds(2024, "533301")["monitoring_line"].amount == Decimal("7100")


def test_missing_and_circular_parameters_are_refused_with_their_names():
    missing = "dibao_line is set for 2026 in county 533301"
    with translation.override("en"), pytest.raises(ValidationFailed, match=missing):
        parameters.thresholds(2026, "533301")
    services.parameter_save(actor=system_user(), data={"code": "dibao_rural", "year": 2025,
                                                       "county_code": "533323", "formula": "dibao_line / 12"})
    with translation.override("en"), pytest.raises(ValidationFailed, match="in a circle"):
        parameters.thresholds(2025, "533323")


def test_parameter_needs_an_amount_or_a_formula_and_the_right():
    with pytest.raises(ValidationFailed):
        services.parameter_save(actor=system_user(), data={"code": "x", "year": 2024, "province_code": "53"})
    with pytest.raises(ValidationFailed):
        services.parameter_save(actor=system_user(), data={"code": "x", "year": 2024, "province_code": "53",
                                                           "formula": "open('/etc/passwd')"})
    operator = make_user(role="village_operator", area="533301102201")
    with pytest.raises(PermissionDenied):
        services.parameter_save(actor=operator, data={"code": "x", "year": 2024, "county_code": "533301",
                                                      "amount": Decimal(1)})
