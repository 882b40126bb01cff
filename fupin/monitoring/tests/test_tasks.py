"""A warning becoming a visit task (the right cadre, the exact deadline) becoming a monitoring identification; an
unconfirmed visit closing the warning; unassigned and overdue tasks; permissions that change nothing."""

import json

import pytest
from django.core.management import call_command

from fupin.accounts.history import entering_history
from fupin.assistance.models import HouseholdVisit
from fupin.audit.models import AuditEvent
from fupin.core.errors import PermissionDenied, ValidationFailed
from fupin.monitoring import selectors, services
from fupin.monitoring.models import RiskWarning, VisitTask
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, system_user
from fupin.workflows import services as workflow_services
from fupin.workflows.models import Case

from .helpers import DONGGUAN, LUZHANG, SANHE, D, household, parameter, responsible, threshold

pytestmark = pytest.mark.django_db
ON = D(2023, 6, 15)


@pytest.fixture
def world():
    load_fixture_divisions()
    threshold("8000")
    with entering_history(actor=system_user(), reason="测试：2023 年的监测记录补录"):
        # The visits and procedures are dated June 2023: history entered after the fact (real time: test_dates.py).
        yield {"village": make_user(role="village_operator", area=LUZHANG),
               "county": make_user(role="county_approver", area="533301000000"),
               "township": make_user(role="township_reviewer", area="533301102000")}


def scan(rules=("income_drop",), on=ON):
    return services.warnings_run(actor=system_user(), year=2023, on=on, rules=list(rules))


def test_warning_to_task_to_visit_to_monitoring_identification(world):
    dropped = household(wages={2022: "20000", 2023: "12000"})  # 10,000 → 6,000 per head, exited
    responsible(dropped, start=D(2021, 1, 1), end=D(2023, 3, 31), name="前任干部")
    current = responsible(dropped, start=D(2023, 4, 1), name="现任干部")
    (warning,) = scan().warnings
    task = VisitTask.objects.get(warning=warning)
    assert (task.household_id, task.cadre_id, task.due_on, task.status) == (dropped.pk, current.pk, D(2023, 6, 18),
                                                                             "open")

    services.task_complete(actor=world["village"], task=task, confirmed=True, visited_on=D(2023, 6, 17),
                           notes="务工收入减少，家中有病人")
    task.refresh_from_db()
    warning.refresh_from_db()
    visit = HouseholdVisit.objects.get()
    case = Case.objects.get()
    assert (visit.household_id, visit.cadre_id, visit.visited_on, visit.notes) == (
        dropped.pk, current.pk, D(2023, 6, 17), "务工收入减少，家中有病人")
    assert (task.status, task.outcome, task.completed_on, task.visit_id, task.case_id) == (
        "done", "confirmed", D(2023, 6, 17), visit.pk, case.pk)
    assert warning.status == "confirmed"
    assert (case.procedure.code, case.current_step.code, case.status, case.household_id, case.year) == (
        "monitoring_identification", "clue", "open", dropped.pk, 2023)
    assert (case.params, case.started_on, case.deadline) == ({"category": "1"}, D(2023, 6, 17), D(2023, 7, 2))
    assert AuditEvent.objects.filter(action="monitoring.task_completed", object_id=str(task.pk)).count() == 1

    # The case is the monitoring identification of the rules issue: carried through, the household is monitored.
    workflow_services.case_decide(actor=world["village"], case=case, step_code="clue", outcome="approve",
                                  on=D(2023, 6, 17))
    workflow_services.case_decide(actor=world["village"], case=case, step_code="verification", outcome="approve",
                                  evidence=[f"走访记录#{visit.pk}"], on=D(2023, 6, 18))
    workflow_services.case_decide(actor=world["county"], case=case, step_code="comparison", outcome="approve",
                                  on=D(2023, 6, 19))
    workflow_services.notice_publish(actor=world["village"], cases=[case], step_code="village_notice",
                                     publisher="鲁掌村委会", on=D(2023, 6, 20))
    workflow_services.case_decide(actor=world["village"], case=case, step_code="village_notice", outcome="approve",
                                  on=D(2023, 6, 25))
    workflow_services.case_decide(actor=world["township"], case=case, step_code="township_review",
                                  outcome="approve", on=D(2023, 6, 26))
    workflow_services.notice_publish(actor=world["county"], cases=[case], step_code="county_decision",
                                     publisher="泸水市", on=D(2023, 6, 27))
    workflow_services.case_decide(actor=world["county"], case=case, step_code="county_decision", outcome="approve",
                                  on=D(2023, 6, 27))
    dropped.refresh_from_db()
    assert (dropped.monitoring_category, dropped.monitoring_since, dropped.risk_status) == ("1", D(2023, 6, 27), "1")
    assert scan(on=D(2023, 7, 1)).warnings == []  # monitored now: followed by its own procedure, not warned


def test_a_confirmed_warning_holds_back_a_new_one_while_its_case_is_open_and_a_second_confirmation_joins_it(world):
    dropped = household(wages={2022: "20000", 2023: "12000"})
    responsible(dropped)
    services.disaster_record(actor=system_user(), area_code=LUZHANG, kind="geological", occurred_on=D(2023, 6, 2),
                             title="滑坡")
    run = scan(("income_drop", "disaster"))
    by_rule = {w.rule_id: w for w in run.warnings}
    services.task_complete(actor=world["village"], task=by_rule["income_drop"].task, confirmed=True,
                           visited_on=D(2023, 6, 16))
    assert scan(("income_drop",), on=D(2023, 6, 20)).counts == {"income_drop": {"found": 1, "new": 0}}
    services.task_complete(actor=world["village"], task=by_rule["disaster"].task, confirmed=True,
                           visited_on=D(2023, 6, 17), category="3")
    tasks = VisitTask.objects.order_by("id")
    assert Case.objects.count() == 1 and {t.case_id for t in tasks} == {Case.objects.get().pk}
    assert Case.objects.get().params == {"category": "1"}  # the first confirmation opened it


def test_unconfirmed_visit_closes_the_warning_with_its_reason(world):
    dropped = household(wages={2022: "20000", 2023: "12000"})
    cadre = responsible(dropped)
    (warning,) = scan().warnings
    with pytest.raises(ValidationFailed):
        services.task_complete(actor=world["village"], task=warning.task, confirmed=False, visited_on=D(2023, 6, 16))
    services.task_complete(actor=world["village"], task=warning.task, confirmed=False, visited_on=D(2023, 6, 16),
                           reason="2023年收入未录全，实际务工收入稳定")
    warning.refresh_from_db()
    task = VisitTask.objects.get()
    assert (warning.status, warning.closed_reason, warning.closed_on) == (
        "closed", "2023年收入未录全，实际务工收入稳定", D(2023, 6, 16))
    assert (task.status, task.outcome, task.case_id) == ("done", "not_confirmed", None)
    assert HouseholdVisit.objects.get().cadre_id == cadre.pk
    assert Case.objects.count() == 0
    with pytest.raises(ValidationFailed):  # done is done
        services.task_complete(actor=world["village"], task=task, confirmed=True, visited_on=D(2023, 6, 17))


def test_unassigned_tasks_are_listed_and_must_be_assigned_before_the_visit(world):
    household(wages={2022: "20000", 2023: "12000"})
    (warning,) = scan().warnings
    task = warning.task
    assert task.cadre_id is None
    assert list(selectors.task_list(actor=world["village"], unassigned=True)) == [task]
    with pytest.raises(ValidationFailed):
        services.task_complete(actor=world["village"], task=task, confirmed=True, visited_on=D(2023, 6, 16))
    cadre = make_cadre(name="指派干部")
    events = AuditEvent.objects.count()
    services.task_assign(actor=world["village"], task=task, cadre=cadre)
    assert AuditEvent.objects.count() == events + 1
    assert list(selectors.task_list(actor=world["village"], unassigned=True)) == []
    services.task_complete(actor=world["village"], task=task, confirmed=True, visited_on=D(2023, 6, 16))
    assert HouseholdVisit.objects.get().cadre_id == cadre.pk


def test_deadline_is_the_provinces_policy_and_overdue_is_after_it(world, capsys):
    parameter("monitoring_visit_task_days", "5")  # Yunnan from 2023; elsewhere the national 3 days
    yunnan = household(wages={2022: "20000", 2023: "12000"})
    dongguan = household(DONGGUAN, wages={2022: "20000", 2023: "12000"})
    scan()
    due = dict(VisitTask.objects.values_list("household_id", "due_on"))
    assert due == {yunnan.pk: D(2023, 6, 20), dongguan.pk: D(2023, 6, 18)}
    everyone = system_user()
    assert [t.household_id for t in selectors.task_list(actor=everyone, overdue=True, on=D(2023, 6, 18))] == []
    assert [t.household_id for t in selectors.task_list(actor=everyone, overdue=True, on=D(2023, 6, 19))] == [
        dongguan.pk]
    assert [t.household_id for t in selectors.task_list(actor=everyone, overdue=True, on=D(2023, 6, 21))] == [
        dongguan.pk, yunnan.pk]
    call_command("monitoring", "tasks", "--area", "53", "--overdue", "--on", "2023-06-21", "--format", "json")
    task = VisitTask.objects.get(household=yunnan)
    assert json.loads(capsys.readouterr().out) == [{
        "id": task.pk, "household": yunnan.number, "area": LUZHANG, "rule": "income_drop",
        "message": task.warning.message, "cadre": None, "due_on": "2023-06-20", "status": "open", "outcome": "",
        "completed_on": None, "case": None}]


def test_a_user_granted_elsewhere_sees_nothing_and_denied_writes_change_nothing(world):
    dropped = household(wages={2022: "20000", 2023: "12000"})
    responsible(dropped)
    (warning,) = scan().warnings
    dongguan = make_user(actions=["view", "change"], area="441900000000")
    assert list(selectors.warning_list(actor=dongguan)) == []
    assert list(selectors.task_list(actor=dongguan)) == []
    report = selectors.monitoring_report(actor=dongguan, area_code="533301", month="2023-06")
    assert report["rows"] == [] and report["total"]["warnings"] == 0

    neighbour = make_user(role="village_operator", area=SANHE)
    viewer = make_user(actions=["view"], area="533301000000")
    before = (list(RiskWarning.objects.values()), list(VisitTask.objects.values()), AuditEvent.objects.count())
    for actor in (dongguan, neighbour, viewer):
        with pytest.raises(PermissionDenied):
            services.task_complete(actor=actor, task=warning.task, confirmed=True, visited_on=D(2023, 6, 16))
        with pytest.raises(PermissionDenied):
            services.task_assign(actor=actor, task=warning.task, cadre=make_cadre())
        with pytest.raises(PermissionDenied):
            services.warnings_run(actor=actor, year=2023, area_code="533301", on=ON)
    # Allowed to change the village but without the procedure's role: the visit is rolled back with the refusal.
    clerk = make_user(actions=["view", "change"], area=LUZHANG)
    with pytest.raises(PermissionDenied):
        services.task_complete(actor=clerk, task=warning.task, confirmed=True, visited_on=D(2023, 6, 16))
    assert (list(RiskWarning.objects.values()), list(VisitTask.objects.values()), AuditEvent.objects.count()) == before
    assert HouseholdVisit.objects.count() == 0 and Case.objects.count() == 0


def test_cli_completes_a_task(world, capsys):
    dropped = household(wages={2022: "20000", 2023: "12000"})
    responsible(dropped)
    (warning,) = scan().warnings
    call_command("monitoring", "complete", str(warning.task.pk), "--not-confirmed", "--visited", "2023-06-16",
                 "--reason", "收入已恢复", "--user", world["village"].username, "--format", "json")
    printed = json.loads(capsys.readouterr().out)
    assert (printed["status"], printed["outcome"], printed["completed_on"], printed["case"]) == (
        "done", "not_confirmed", "2023-06-16", None)
    assert RiskWarning.objects.get().closed_reason == "收入已恢复"
