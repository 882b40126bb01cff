"""Time as a rule in monitoring (issue 22, "Dates are not checked"): warnings, visits, identification and risk
elimination are dated facts — never in the future, each not before the step it follows — and the 6-month
stability of risk elimination is counted from the recorded identification, in real time. Each case is played
first as a user would, then shown refused (messages checked in English; zh once the catalogue is compiled)."""

import datetime

import pytest
from django.utils import translation

from fupin.accounts.history import entering_history
from fupin.core import temporal
from fupin.core.errors import ValidationFailed
from fupin.monitoring import services
from fupin.registry.models import Household
from fupin.testing.factories import load_fixture_divisions, make_user, system_user
from fupin.workflows import services as workflows
from fupin.workflows.models import Case

from .helpers import LUZHANG, household, responsible, threshold

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)
HISTORY = "测试：监测记录补录"


@pytest.fixture
def world(clock):
    load_fixture_divisions()
    year = clock.today.year
    threshold("8000", year=year)
    threshold("8000", year=year + 1)
    return {"year": year,
            "village": make_user(role="village_operator", area=LUZHANG),
            "township": make_user(role="township_reviewer", area="533301102000"),
            "county": make_user(role="county_approver", area="533301000000")}


def refusal(call, **kwargs) -> str:
    """The refusal's message in English (the rules' reasons are worded when the rule runs)."""
    with translation.override("en"), pytest.raises(ValidationFailed) as refused:
        call(**kwargs)
    with translation.override("en"):
        return str(refused.value)


def monitored_since_today(world, clock):
    """A household whose identification for monitoring was recorded today (its income since above the range)."""
    year = world["year"]
    monitored = household(year=year, wages={year - 1: "20000", year: "20000"})
    Household.objects.filter(pk=monitored.pk).update(monitoring_category="1", risk_status="1",
                                                     monitoring_since=clock.today)
    return Household.objects.get(pk=monitored.pk)


def elimination_at_county_decision(world, clock, monitored) -> Case:
    """The risk-elimination procedure, each step taken in real time, up to the county's decision."""
    case = workflows.case_start(actor=world["village"], procedure_code="risk_elimination", household=monitored,
                                year=world["year"])
    workflows.case_decide(actor=world["village"], case=case, step_code="proposal", outcome="approve")
    workflows.case_decide(actor=world["village"], case=case, step_code="verification", outcome="approve",
                          evidence=["两人入户核实记录"])
    workflows.notice_publish(actor=world["village"], cases=[case], step_code="village_notice", publisher="鲁掌村委会")
    clock.advance(days=7)
    workflows.case_decide(actor=world["village"], case=case, step_code="village_notice", outcome="approve")
    workflows.case_decide(actor=world["township"], case=case, step_code="township_review", outcome="approve")
    workflows.notice_publish(actor=world["county"], cases=[case], step_code="county_decision", publisher="泸水市")
    return case


def decide_elimination(world, case, on=None):
    return workflows.case_decide(actor=world["county"], case=case, step_code="county_decision", outcome="approve",
                                 on=on)


def test_a_future_dated_elimination_does_not_pass_the_six_month_stability_rule(world, clock):
    monitored = monitored_since_today(world, clock)
    case = elimination_at_county_decision(world, clock, monitored)
    seven_months_on = temporal.add_months(clock.today, 7)
    # The issue: the county's decision typed as dated seven months ahead passed the 6-month stability rule,
    # counted to that date. Now refused (in 补录 too):
    assert refusal(decide_elimination, world=world, case=case, on=seven_months_on) == (
        f"decision date {seven_months_on} is in the future (today is {clock.today}); a record states what has "
        "happened.")
    with entering_history(actor=system_user(), reason=HISTORY):
        assert "is in the future" in refusal(decide_elimination, world=world, case=case, on=seven_months_on)
    # Today the household has been monitored for 0 whole months, counted from its recorded identification:
    assert refusal(decide_elimination, world=world, case=case) == (
        "The rules are not met: Monitored for 0 months; at least 6 needed.")
    clock.advance(months=6)
    decide_elimination(world, case)
    assert (Household.objects.get(pk=monitored.pk).risk_status, Case.objects.get(pk=case.pk).status) == (
        "2", Case.Status.COMPLETED)


def test_an_elimination_does_not_start_before_the_identification(world, clock):
    monitored = monitored_since_today(world, clock)
    with entering_history(actor=system_user(), reason=HISTORY):
        yesterday = clock.today - DAY
        assert refusal(workflows.case_start, actor=world["village"], procedure_code="risk_elimination",
                       household=monitored, year=world["year"], on=yesterday) == (
            f"case start date {yesterday} is before the household's identification for monitoring {clock.today}.")


def test_a_scan_is_not_dated_in_the_future(world, clock):
    tomorrow = clock.today + DAY
    assert refusal(services.warnings_run, actor=system_user(), year=world["year"], on=tomorrow) == (
        f"scan date {tomorrow} is in the future (today is {clock.today}); a record states what has happened.")


def dropped_household_with_task(world, clock):
    year = world["year"]
    dropped = household(year=year, wages={year - 1: "20000", year: "12000"})
    responsible(dropped, start=clock.today - 30 * DAY)
    run = services.warnings_run(actor=system_user(), year=year, rules=["income_drop"])
    (warning,) = run.warnings
    assert warning.raised_on == clock.today
    return dropped, warning.task


def test_a_visit_is_a_fact_dated_after_its_warning_and_the_identification_follows_it(world, clock):
    _dropped, task = dropped_household_with_task(world, clock)
    tomorrow = clock.today + DAY
    # A visit recorded ahead of time, and one before the warning it answers, are refused.
    assert refusal(services.task_complete, actor=world["village"], task=task, confirmed=True,
                   visited_on=tomorrow) == (
        f"visit date {tomorrow} is in the future (today is {clock.today}); a record states what has happened.")
    yesterday = clock.today - DAY
    assert refusal(services.task_complete, actor=world["village"], task=task, confirmed=True,
                   visited_on=yesterday) == (
        f"visit date {yesterday} is before the warning it answers {clock.today}.")
    clock.advance(days=2)
    visited = clock.today - DAY  # a visit made yesterday is entered today: a fact's date may be past
    services.task_complete(actor=world["village"], task=task, confirmed=True, visited_on=visited)
    case = Case.objects.get(pk=task.case_id)
    assert case.started_on == visited
    # The identification's steps are decisions: today, never dated before the visit that opened the case.
    with entering_history(actor=system_user(), reason=HISTORY):
        assert refusal(workflows.case_decide, actor=world["village"], case=case, step_code="clue",
                       outcome="approve", on=visited - DAY) == (
            f"decision date {visited - DAY} is before the case's start {visited}.")
    assert "补录" in refusal(workflows.case_decide, actor=world["village"], case=case, step_code="clue",
                           outcome="approve", on=visited)
    workflows.case_decide(actor=world["village"], case=case, step_code="clue", outcome="approve")
