"""Each warning rule on a household it warns and one it does not, on the boundary; policy values by province;
idempotent re-scans; the CLI contract."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.audit.models import AuditEvent
from fupin.monitoring import services
from fupin.monitoring.models import RiskWarning, VisitTask, WarningRule
from fupin.quality.models import DepartmentList
from fupin.rules.models import PolicyParameter
from fupin.testing.factories import load_fixture_divisions, system_user

from .helpers import (
    DONGGUAN,
    LUZHANG,
    SANHE,
    SHUANGKUI,
    D,
    department_list,
    household,
    parameter,
    responsible,
    threshold,
)

pytestmark = pytest.mark.django_db
ON = D(2023, 6, 15)


@pytest.fixture(autouse=True)
def world():
    load_fixture_divisions()


def scan(rules, on=ON, year=2023, area=None):
    return services.warnings_run(actor=system_user(), year=year, area_code=area, on=on, rules=rules)


def warned(rule):
    return {w.household_id: w for w in RiskWarning.objects.filter(rule_id=rule)}


def test_rules_and_their_policy_parameters_are_seeded():
    assert sorted(WarningRule.objects.values_list("code", flat=True)) == [
        "disaster", "education_cost", "income_drop", "income_under_threshold", "medical_cost",
        "only_earner_job_loss"]
    seeded = dict(PolicyParameter.objects.filter(code__startswith="monitoring_", province_code="").values_list(
        "code", "value"))
    assert seeded == {"monitoring_education_cost_min": Decimal("5000"),
                      "monitoring_identification_max_days": Decimal("15"),
                      "monitoring_income_drop_share": Decimal("0.3"),
                      "monitoring_income_multiple": Decimal("1.5"),
                      "monitoring_medical_cost_min": Decimal("10000"),
                      "monitoring_notice_days_min": Decimal("5"),
                      "monitoring_visit_task_days": Decimal("3")}


def test_income_drop_at_the_share_warns_and_just_under_it_does_not():
    exactly = household(wages={2022: "20000", 2023: "14000"})  # 10,000 → 7,000 per head: exactly 30 %
    under = household(wages={2022: "20000", 2023: "14002"})  # 7,001 per head: 29.99 %
    first_year = household(wages={2023: "2000"})  # no previous year: nothing to compare
    run = scan(["income_drop"])
    assert run.counts == {"income_drop": {"found": 1, "new": 1}}
    warning = warned("income_drop")[exactly.pk]
    assert set(warned("income_drop")) == {exactly.pk}
    assert (warning.area_code, warning.year, warning.raised_on, warning.category) == (LUZHANG, 2023, ON, "")
    assert warning.values == {"previous": "10000.00", "income": "7000.00", "dropped": "0.3000", "share": "0.3000"}
    assert warning.message_en == "Net income per head fell from 10000.00 to 7000.00 (by 30.00%; warned from 30%)."
    assert under.pk not in warned("income_drop") and first_year.pk not in warned("income_drop")


def test_income_drop_share_is_the_provinces_policy():
    parameter("monitoring_income_drop_share", "0.5")  # Yunnan from 2023: a drop of half
    yunnan = household(wages={2022: "20000", 2023: "14000"})
    dongguan = household(DONGGUAN, wages={2022: "20000", 2023: "14000"})
    scan(["income_drop"])
    assert set(warned("income_drop")) == {dongguan.pk}
    assert yunnan.pk not in warned("income_drop")


def test_income_under_threshold_uses_the_rules_categories():
    threshold("8000")
    at = household(wages={2023: "16000"})  # 8,000 per head, exited: category 1
    above = household(wages={2023: "16002"})  # 8,001
    ordinary = household(SANHE, status="8", wages={2023: "14000"})  # never poor, 7,000: category 2
    scan(["income_under_threshold"])
    found = warned("income_under_threshold")
    assert set(found) == {at.pk, ordinary.pk}
    assert (found[at.pk].category, found[ordinary.pk].category) == ("1", "2")
    assert found[at.pk].values == {"income": "8000.00", "threshold": "8000.00"}
    assert found[at.pk].message_en == "Per-capita net income 8000.00 is within the monitoring range (8000.00)."
    assert above.pk not in found


def test_medical_costs_from_department_lists_in_the_window(tmp_path):
    exactly, under = household(), household()
    a, b = exactly.members.order_by("id")
    c = under.members.order_by("id").first()
    department_list(tmp_path, "medical", [
        (a, "6000", "2023-02-01"), (b, "4000", "2023-05-01"),  # 10,000 over two members: at the amount
        (c, "9999.99", "2023-03-01"),
        (c, "5000", "2022-12-31"),  # last year: outside the window
        (c, "5000", "2023-06-16"),  # after the scan day
    ])
    scan(["medical_cost"])
    found = warned("medical_cost")
    assert set(found) == {exactly.pk}
    assert found[exactly.pk].values == {"amount": "10000.00", "minimum": "10000.0000"}
    (listed,) = DepartmentList.objects.filter(source="medical")
    assert found[exactly.pk].message_en == (
        f"Compliant out-of-pocket medical costs of 10000.00 yuan since 2023-01-01 (department lists: {listed.name}); "
        "warned from 10000.")


def test_education_costs_and_an_undated_row_counted_on_its_receipt(tmp_path):
    schooling, other = household(), household()
    child = schooling.members.order_by("id")[1]
    department_list(tmp_path, "education", [(child, "3000", "2023-03-01"), (child, "2000", "")])
    department_list(tmp_path, "education", [(other.members.first(), "4999", "2023-03-01")])
    scan(["education_cost"], on=D(2023, 7, 1))  # the undated row counts from its list's receipt on 30 June
    assert set(warned("education_cost")) == {schooling.pk}
    assert warned("education_cost")[schooling.pk].values == {"amount": "5000.00", "minimum": "5000.0000"}
    assert scan(["education_cost"], on=D(2023, 6, 29)).counts == {"education_cost": {"found": 0, "new": 0}}


def test_disaster_warns_every_monitorable_household_under_the_area():
    hit_one, hit_two = household(LUZHANG), household(SANHE)
    elsewhere = household(SHUANGKUI)
    poor = household(LUZHANG, status="0")  # still poor: assisted, not monitored
    monitored = household(LUZHANG)
    monitored.__class__.objects.filter(pk=monitored.pk).update(monitoring_category="1", risk_status="1")
    services.disaster_record(actor=system_user(), area_code="533301102", kind="洪涝", occurred_on=D(2023, 6, 1),
                             title="鲁掌镇6月1日山洪")
    services.disaster_record(actor=system_user(), area_code="533301001", kind="earthquake",
                             occurred_on=D(2022, 12, 30), title="去年的地震")  # before the window
    scan(["disaster"])
    found = warned("disaster")
    assert set(found) == {hit_one.pk, hit_two.pk}
    assert {elsewhere.pk, poor.pk, monitored.pk}.isdisjoint(found)
    assert found[hit_one.pk].message_en == "flood in 鲁掌镇 on 2023-06-01: 鲁掌镇6月1日山洪."


def test_job_loss_of_the_only_earner():
    lost = household(size=3, earners=1, wages={2022: "24000", 2023: "0"}, transfer="3000")
    two_earners = household(size=3, earners=2, wages={2022: "24000", 2023: "0"}, transfer="3000")
    still_paid = household(size=3, earners=1, wages={2022: "24000", 2023: "1"}, transfer="3000")
    scan(["only_earner_job_loss"])
    found = warned("only_earner_job_loss")
    assert set(found) == {lost.pk}
    assert {two_earners.pk, still_paid.pk}.isdisjoint(found)
    earner = lost.members.order_by("id").first()
    assert found[lost.pk].message_en == (f"{earner.name}, the only member able to work, earned no wages in 2023 "
                                         "(24000.00 yuan in 2022).")


def test_rescan_is_idempotent_and_a_closed_warning_can_be_raised_again():
    dropped = household(wages={2022: "20000", 2023: "10000"})
    first = scan(["income_drop"])
    assert first.counts == {"income_drop": {"found": 1, "new": 1}}
    again = scan(["income_drop"], on=D(2023, 6, 20))
    assert again.counts == {"income_drop": {"found": 1, "new": 0}} and again.warnings == []
    assert RiskWarning.objects.count() == 1 and VisitTask.objects.count() == 1
    task = VisitTask.objects.get()
    services.task_assign(actor=system_user(), task=task, cadre=responsible(dropped))
    services.task_complete(actor=system_user(), task=task, confirmed=False, visited_on=D(2023, 6, 21),
                           reason="外出务工收入未计入，实际收入稳定")
    later = scan(["income_drop"], on=D(2023, 7, 1))  # the closed warning does not hold a new one back
    assert later.counts == {"income_drop": {"found": 1, "new": 1}}
    assert RiskWarning.objects.filter(household=dropped).count() == 2


def test_scan_is_audited_once_and_counts_unassigned_tasks():
    household(wages={2022: "20000", 2023: "10000"})
    events = AuditEvent.objects.count()
    run = scan(["income_drop"])
    assert run.unassigned == 1
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.latest("seq")
    assert (event.action, event.object_id, event.after["counts"], event.after["unassigned"]) == (
        "monitoring.warnings_run", "*/2023", {"income_drop": {"found": 1, "new": 1}}, 1)


def test_cli_prints_the_new_warnings(capsys):
    dropped = household(wages={2022: "20000", 2023: "10000"})
    call_command("monitoring", "warnings", "--year", "2023", "--area", "5333", "--on", "2023-06-15",
                 "--rules", "income_drop", "--format", "json")
    printed = json.loads(capsys.readouterr().out)
    warning = RiskWarning.objects.get()
    assert printed == [{"id": warning.pk, "rule": "income_drop", "household": dropped.number, "area": LUZHANG,
                        "year": 2023, "raised_on": "2023-06-15", "message": warning.message, "category": "",
                        "status": "open", "task": warning.task.pk, "due_on": "2023-06-18", "cadre": None}]
    call_command("monitoring", "warnings", "--year", "2023", "--area", "5333", "--on", "2023-06-15",
                 "--rules", "income_drop", "--format", "json")
    assert json.loads(capsys.readouterr().out) == []


def test_a_scan_runs_in_sets_its_queries_do_not_grow_with_households(tmp_path):
    threshold("8000")
    services.disaster_record(actor=system_user(), area_code="533301", kind="flood", occurred_on=D(2023, 6, 1),
                             title="山洪")

    def warned_household():
        made = household(size=2, earners=1, wages={2022: "20000", 2023: "0"}, transfer="2000")
        responsible(made)
        department_list(tmp_path, "medical", [(made.members.first(), "12000", "2023-03-01")])
        return made

    def queries():
        with CaptureQueriesContext(connection) as captured:
            run = scan(None)
        return len(captured.captured_queries), run

    warned_household()
    one, run = queries()
    assert {rule: counts["new"] for rule, counts in run.counts.items()} == {
        "disaster": 1, "education_cost": 0, "income_drop": 1, "income_under_threshold": 1, "medical_cost": 1,
        "only_earner_job_loss": 1}
    for _n in range(3):
        warned_household()
    four, run = queries()
    assert sum(counts["new"] for counts in run.counts.values()) == 15  # the first household's are still open
    assert four == one


def test_a_year_opened_by_the_roll_forward_raises_no_income_warning():
    """Issue 21: 107 of 109 warnings of a scan came from a rolled-forward year whose incomes read as 0. Its
    incomes are now not entered, which no income rule judges; a household whose 2023 income was entered is
    still warned."""
    from fupin.registry.services import registry_roll_forward

    threshold("8000")
    rolled = [household(size=2, earners=1, year=2022, wages={2022: "20000"}) for _ in range(3)]
    entered = household(size=2, earners=1, wages={2022: "20000", 2023: "0"}, transfer="6000")
    result = registry_roll_forward(actor=system_user(), year=2023)
    assert (result.created, result.already) == (3, 1)
    run = scan(["income_drop", "income_under_threshold", "only_earner_job_loss"])
    # The entered household: 10,000 → 3,000 per head (a 70 % drop), within the range, its only earner unpaid.
    assert run.counts == {"income_drop": {"found": 1, "new": 1}, "income_under_threshold": {"found": 1, "new": 1},
                          "only_earner_job_loss": {"found": 1, "new": 1}}
    assert set(RiskWarning.objects.values_list("household_id", flat=True)) == {entered.pk}
    assert {h.pk for h in rolled}.isdisjoint(RiskWarning.objects.values_list("household_id", flat=True))
