"""The monthly monitoring report's exact counts on a hand-built county (泸水市: 六库街道 and 鲁掌镇)."""

import json

import pytest
from django.core.management import call_command

from fupin.accounts.history import entering_history
from fupin.monitoring import selectors, services
from fupin.registry.models import Household
from fupin.testing.factories import load_fixture_divisions, make_user, system_user
from fupin.workflows import services as workflows

from .helpers import LUZHANG, SANHE, SHUANGKUI, D, household, responsible, threshold

pytestmark = pytest.mark.django_db
LIUKU, LUZHANG_TOWN = "533301001000", "533301102000"


@pytest.fixture
def history_of_2023():
    """The county's visits and procedures are dated June and July 2023: history entered after the fact."""
    with entering_history(actor=system_user(), reason="测试：2023 年的监测记录补录"):
        yield


@pytest.fixture
def county(history_of_2023):
    """Scan on 10 June 2023 (deadline 13 June): L1 (income drop and the flood), L2 and L3 (the flood) in 鲁掌镇,
    S1 (income drop) in 六库街道. L1's income drop is confirmed on 12 June and its identification completed on
    27 June; L2's flood warning is not confirmed on 20 June (late); S1 is confirmed on 2 July (late). E, monitored
    since June 2022, has its risk eliminated on 15 June."""
    load_fixture_divisions()
    threshold("8000")
    village = make_user(role="village_operator", area="533301000000")
    township = make_user(role="township_reviewer", area=LUZHANG_TOWN)
    county_approver = make_user(role="county_approver", area="533301000000")
    l1 = household(LUZHANG, wages={2022: "20000", 2023: "12000"})
    l2 = household(LUZHANG)
    l3 = household(SANHE)
    s1 = household(SHUANGKUI, wages={2022: "20000", 2023: "10000"})
    e = household(SANHE, wages={2022: "12000", 2023: "20000"})
    Household.objects.filter(pk=e.pk).update(monitoring_category="1", risk_status="1", monitoring_since=D(2022, 6, 1))
    for h in (l1, l2, l3, s1):
        responsible(h)
    services.disaster_record(actor=system_user(), area_code="533301102", kind="flood", occurred_on=D(2023, 6, 1),
                             title="鲁掌镇山洪")
    run = services.warnings_run(actor=system_user(), year=2023, area_code="533301", on=D(2023, 6, 10),
                                rules=["income_drop", "disaster"])
    tasks = {(w.household_id, w.rule_id): w.task for w in run.warnings}
    services.task_complete(actor=village, task=tasks[(l1.pk, "income_drop")], confirmed=True,
                           visited_on=D(2023, 6, 12))
    case = tasks[(l1.pk, "income_drop")].case
    workflows.case_decide(actor=village, case=case, step_code="clue", outcome="approve", on=D(2023, 6, 12))
    workflows.case_decide(actor=village, case=case, step_code="verification", outcome="approve",
                          evidence=["走访记录"], on=D(2023, 6, 13))
    workflows.case_decide(actor=county_approver, case=case, step_code="comparison", outcome="approve",
                          on=D(2023, 6, 14))
    workflows.notice_publish(actor=village, cases=[case], step_code="village_notice", publisher="鲁掌村委会",
                             on=D(2023, 6, 15))
    workflows.case_decide(actor=village, case=case, step_code="village_notice", outcome="approve", on=D(2023, 6, 20))
    workflows.case_decide(actor=township, case=case, step_code="township_review", outcome="approve",
                          on=D(2023, 6, 21))
    workflows.notice_publish(actor=county_approver, cases=[case], step_code="county_decision", publisher="泸水市",
                             on=D(2023, 6, 27))
    workflows.case_decide(actor=county_approver, case=case, step_code="county_decision", outcome="approve",
                          on=D(2023, 6, 27))
    services.task_complete(actor=village, task=tasks[(l2.pk, "disaster")], confirmed=False,
                           visited_on=D(2023, 6, 20), reason="房屋未受损，庄稼已抢收")
    services.task_complete(actor=village, task=tasks[(s1.pk, "income_drop")], confirmed=True,
                           visited_on=D(2023, 7, 2))
    elimination = workflows.case_start(actor=village, procedure_code="risk_elimination", household=e, year=2023,
                                       on=D(2023, 6, 1))
    workflows.case_decide(actor=village, case=elimination, step_code="proposal", outcome="approve", on=D(2023, 6, 1))
    workflows.case_decide(actor=village, case=elimination, step_code="verification", outcome="approve",
                          evidence=["两人入户核实记录"], on=D(2023, 6, 2))
    workflows.notice_publish(actor=village, cases=[elimination], step_code="village_notice", publisher="三河村委会",
                             on=D(2023, 6, 3))
    workflows.case_decide(actor=village, case=elimination, step_code="village_notice", outcome="approve",
                          on=D(2023, 6, 10))
    workflows.case_decide(actor=township, case=elimination, step_code="township_review", outcome="approve",
                          on=D(2023, 6, 12))
    workflows.notice_publish(actor=county_approver, cases=[elimination], step_code="county_decision",
                             publisher="泸水市", on=D(2023, 6, 15))
    workflows.case_decide(actor=county_approver, case=elimination, step_code="county_decision", outcome="approve",
                          on=D(2023, 6, 15))
    return {"run": run, "village": village}


def row(area, name, **figures):
    values = {"warnings": 0, "tasks_done": 0, "tasks_done_late": 0, "tasks_overdue": 0, "cases_opened": 0,
              "identified": 0, "eliminated": 0, "by_rule": {}}
    values.update(figures)
    return {"area": area, "name": name, **values}


def test_june_and_july(county):
    assert county["run"].counts == {"income_drop": {"found": 2, "new": 2}, "disaster": {"found": 3, "new": 3}}
    june = selectors.monitoring_report(actor=system_user(), area_code="533301", month="2023-06")
    assert june == {
        "area": "533301000000", "name": "泸水市", "month": "2023-06",
        "rows": [row(LIUKU, "六库街道", warnings=1, by_rule={"income_drop": 1}, tasks_overdue=1),
                 row(LUZHANG_TOWN, "鲁掌镇", warnings=4, by_rule={"disaster": 3, "income_drop": 1}, tasks_done=2,
                     tasks_done_late=1, tasks_overdue=2, cases_opened=1, identified=1, eliminated=1)],
        "total": {"warnings": 5, "tasks_done": 2, "tasks_done_late": 1, "tasks_overdue": 3, "cases_opened": 1,
                  "identified": 1, "eliminated": 1, "by_rule": {"disaster": 3, "income_drop": 2}}}
    july = selectors.monitoring_report(actor=system_user(), area_code="533301", month="2023-07")
    assert july["rows"] == [row(LIUKU, "六库街道", tasks_done=1, tasks_done_late=1, cases_opened=1),
                            row(LUZHANG_TOWN, "鲁掌镇", tasks_overdue=2)]


def test_a_village_reports_itself_and_the_cli_prints_the_report(county, capsys):
    sanhe = selectors.monitoring_report(actor=system_user(), area_code=SANHE, month="2023-06")
    assert sanhe["rows"] == [row(SANHE, "三河村委会", warnings=1, by_rule={"disaster": 1}, tasks_overdue=1,
                                 eliminated=1)]
    call_command("monitoring", "report", "--area", "533301102", "--month", "2023-06", "--format", "json")
    printed = json.loads(capsys.readouterr().out)
    assert [(r["area"], r["warnings"], r["tasks_overdue"], r["identified"], r["eliminated"]) for r in printed["rows"]] \
        == [(LUZHANG, 3, 1, 1, 0), (SANHE, 1, 1, 0, 1)]
    assert printed["total"]["by_rule"] == {"disaster": 3, "income_drop": 1}


def test_a_township_user_sees_only_its_township(county):
    township_viewer = make_user(actions=["view"], area=LUZHANG_TOWN)
    report = selectors.monitoring_report(actor=township_viewer, area_code="533301", month="2023-06")
    assert [r["area"] for r in report["rows"]] == [LUZHANG_TOWN]
    assert report["total"]["warnings"] == 4


def test_the_cli_report_as_a_table(county, capsys):
    call_command("monitoring", "report", "--area", "533301", "--month", "2023-06", "--format", "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "area,name,warnings,tasks_done,tasks_done_late,tasks_overdue,cases_opened,identified,eliminated"
    assert lines[1:] == ["533301001000,六库街道,1,0,0,1,0,0,0", "533301102000,鲁掌镇,4,2,1,2,1,1,1",
                         "533301000000,Σ,5,2,1,3,1,1,1"]
