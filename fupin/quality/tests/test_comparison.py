"""Cross-department comparison (数据比对): lists keyed by ID number matched against members and co-resident
relatives, a province-specific rule switched off elsewhere, and the procedure's 比对 step held by exclusions."""

import datetime

import pytest

from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.quality import selectors, services
from fupin.quality.importing import department_list_import
from fupin.quality.models import DepartmentRecord, Finding, QualityRule
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.workflows import services as workflow_services

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def households():
    load_fixture_divisions()
    yunnan = register_poor_household(area="533301102201", size=3, year=2022, income_per_capita="7000", status="1")
    dongguan = register_poor_household(area="441900003001", size=2, year=2022, income_per_capita="7000",
                                       status="1")
    return yunnan, dongguan


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load(tmp_path, source, rows, name=None):
    path = write(tmp_path / f"{source}.csv", ["证件号码,姓名,金额,日期,说明", *rows])
    return department_list_import(actor=system_user(), source=source, name=name or f"{source} 2022",
                                  path=path, received_on=D(2022, 6, 30))


def open_findings(rule):
    return list(Finding.objects.filter(rule_id=rule, status="open"))


def test_member_and_co_resident_matches(households, tmp_path):
    yunnan, dongguan = households
    head, child = yunnan.members.order_by("id")[:2]
    load(tmp_path, "death", [f"{child.id_number},{child.name},,2022-02-01,"])
    load(tmp_path, "vehicle", [f"{head.id_number},{head.name},52000,,轿车",
                               f"{dongguan.members.first().id_number},某,12000,,摩托车"])
    services.scan_run(actor=system_user(), year=2022, rules=["death_still_member", "vehicle_owner"])
    (death,) = open_findings("death_still_member")
    assert (death.household_id, death.member_id) == (yunnan.pk, child.pk)
    assert "2022-02-01" in death.message
    (vehicle,) = open_findings("vehicle_owner")  # the 12,000-yuan motorbike is under the 30,000 line
    assert (vehicle.household_id, vehicle.member_id) == (yunnan.pk, head.pk)
    assert vehicle.message.startswith("家庭成员：") and "52000" in vehicle.message
    assert vehicle.message_en.startswith("A member of the household: Owns a vehicle worth 52000")


def test_list_import_contract(households, tmp_path):
    yunnan, _dongguan = households
    head = yunnan.members.first()
    report = load(tmp_path, "vehicle", [f"{head.id_number},某,52000,,", "123,某,1,,", f"{head.id_number},某,x,,"])
    assert not report.written and [(e.row, e.column) for e in report.errors] == [(3, "证件号码"), (4, "金额")]
    path = write(tmp_path / "v.csv", ["证件号码,金额", f"{head.id_number},52000", "123,1"])
    kept = department_list_import(actor=system_user(), source="vehicle", name="v", path=path,
                                  received_on=D(2022, 6, 30), skip_invalid=True)
    again = department_list_import(actor=system_user(), source="vehicle", name="v", path=path,
                                   received_on=D(2022, 6, 30), skip_invalid=True)
    assert (kept.created, again.created, again.updated, DepartmentRecord.objects.count()) == (1, 1, 1, 1)
    with pytest.raises(PermissionDenied):
        department_list_import(actor=make_user(role="county_approver", area="533301000000"), source="vehicle",
                               name="v", path=path, received_on=D(2022, 6, 30))


def test_province_specific_rule(households, tmp_path):
    yunnan, dongguan = households
    load(tmp_path, "business", [f"{yunnan.members.first().id_number},某,,,某某商贸有限公司",
                                f"{dongguan.members.first().id_number},某,,,某某五金厂"])
    QualityRule.objects.filter(code="business_owner").update(disabled_provinces=["44"])
    services.scan_run(actor=system_user(), year=2022, rules=["business_owner"])
    assert [f.household_id for f in open_findings("business_owner")] == [yunnan.pk]


def test_comparison_step_is_held_by_exclusions(households, tmp_path):
    yunnan, _dongguan = households
    people = {"village": make_user(role="village_operator", area="533301102201"),
              "county": make_user(role="county_approver", area="533301000000"),
              "reviewer": make_user(role="county_approver", area="533301000000")}
    load(tmp_path, "state_staff", [f"{yunnan.members.first().id_number},某,,,某县教育局"])
    services.scan_run(actor=system_user(), year=2022, rules=["state_paid_member"])
    case = workflow_services.case_start(actor=people["village"], procedure_code="monitoring_identification",
                                        household=yunnan, year=2022, params={"category": "1"}, on=D(2022, 3, 1))
    # The decisions are taken today (the system's date: no past date outside 补录).
    workflow_services.case_decide(actor=people["village"], case=case, step_code="clue", outcome="approve")
    workflow_services.case_decide(actor=people["village"], case=case, step_code="verification", outcome="approve",
                                  evidence=["承诺授权书.jpg"])
    with pytest.raises(ValidationFailed) as refused:
        workflow_services.case_decide(actor=people["county"], case=case, step_code="comparison", outcome="approve")
    assert "某县教育局" in str(refused.value)
    (finding,) = selectors.exclusions(yunnan)
    services.finding_explain(actor=people["county"], finding=finding, explanation="已于2021年退休，退休金已计入收入")
    services.finding_accept(actor=people["reviewer"], finding=finding, accept=True)
    workflow_services.case_decide(actor=people["county"], case=case, step_code="comparison", outcome="approve")
    case.refresh_from_db()
    assert case.current_step.code == "village_notice"


# rule → (list source, the failing member's row: value, date, detail; a passing member's row or None)
LISTED = {
    "death_still_member": ("death", ("", "2022-02-01", ""), None),
    "vehicle_owner": ("vehicle", ("52000", "", "轿车"), ("12000", "", "摩托车")),
    "state_paid_member": ("state_staff", ("", "", "某县教育局"), None),
    "commercial_property": ("property", ("", "2021-05-01", "某小区3栋"), None),
    "business_owner": ("business", ("", "", "某某商贸有限公司"), None),
    "dibao_unrecorded": ("dibao", ("", "", ""), ("", "", "")),
    "high_medical_cost": ("medical", ("23000", "", "住院"), ("800", "", "门诊")),
    "school_dropout": ("education", ("", "", "初二辍学"), ("", "", "在校")),
    "disability_unrecorded": ("disability", ("", "", "肢体二级"), ("", "", "视力一级")),
}


@pytest.mark.parametrize("rule", sorted(LISTED))
def test_each_comparison_rule(households, tmp_path, rule):
    from fupin.registry.models import Member

    yunnan, dongguan = households
    source, failing_row, passing_row = LISTED[rule]
    failing = yunnan.members.order_by("id").first()
    passing = dongguan.members.order_by("id").first()
    # The passing member is on the list where the rule has a condition it does not meet: recorded as on the
    # allowance, recorded as disabled, or below the value.
    Member.objects.filter(pk=passing.pk).update(on_dibao=True, health="4")
    rows = [f"{failing.id_number},某,{','.join(failing_row)}"]
    if passing_row is not None:
        rows.append(f"{passing.id_number},某,{','.join(passing_row)}")
    load(tmp_path, source, rows)
    services.scan_run(actor=system_user(), year=2022, rules=[rule])
    assert [(f.household_id, f.member_id) for f in open_findings(rule)] == [(yunnan.pk, failing.pk)]
