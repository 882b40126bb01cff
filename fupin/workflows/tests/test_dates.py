"""Time as a rule in the public procedure (issue 22, "Dates are not checked"): each case of the issue is first
played as a user would, then shown refused with its message (checked in English; zh once the catalogue is
compiled). Real time is simulated by moving the system's clock (`temporal.today`), never by typing a date."""

import datetime

import pytest
from django.utils import translation

from fupin.accounts.history import entering_history
from fupin.core.errors import ValidationFailed
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.workflows import services
from fupin.workflows.models import Case, Notice

pytestmark = pytest.mark.django_db
VILLAGE, TOWNSHIP, COUNTY = "533301102201", "533301102000", "533301000000"
D = datetime.date
DAY = datetime.timedelta(days=1)
HISTORY = "测试：2019 年退出程序补录"


@pytest.fixture
def people():
    load_fixture_divisions()
    return {"village": make_user(username="cun", role="village_operator", area=VILLAGE),
            "county": make_user(username="xian", role="county_approver", area=COUNTY),
            "township": make_user(username="zhen", role="village_operator", area=TOWNSHIP)}


@pytest.fixture
def household(people):
    return register_poor_household(area=VILLAGE, size=3, income_per_capita="5000")


def refusal(call, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as refused:
        call(**kwargs)
    with translation.override("en"):
        return str(refused.value)


def to_notice(people, household, on=None) -> Case:
    """A household exit at its village notice (公示), every step taken on `on` (default today)."""
    case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                               year=2019, on=on)
    for step, evidence in (("review", []), ("verify", []), ("acknowledgement", ["签字.jpg"])):
        services.case_decide(actor=people["village"], case=case, step_code=step, outcome="approve",
                             evidence=evidence, on=on)
    return case


def publish(people, case, step="village_notice", on=None, actor="village") -> Notice:
    return services.notice_publish(actor=people[actor], cases=[case], step_code=step, publisher="鲁掌村委会", on=on)


def decide(people, case, step="village_notice", on=None, actor="village"):
    return services.case_decide(actor=people[actor], case=case, step_code=step, outcome="approve", on=on)


# A notice posted with a past date, approved the same day ----------------------------------------------------------
def test_a_past_dated_notice_is_refused_and_a_real_one_is_approved_only_after_seven_days(people, household, clock):
    case = to_notice(people, household)
    week_ago = clock.today - 7 * DAY
    # The issue: a notice dated a week ago, approved today — the 7-day 公示 never ran. Now refused:
    message = refusal(publish, people=people, case=case, on=week_ago)
    assert message == (f"notice date {week_ago} is in the past. The system records this date itself when it "
                       "happens; history is entered after the fact only in 补录 (history entry) mode, with its "
                       "permission and a reason.")
    notice = publish(people, case)
    assert (notice.published_on, notice.period_starts_on, notice.ends_on) == (clock.today, clock.today,
                                                                             clock.today + 7 * DAY)
    assert not notice.entered_as_history and notice.published_at is not None
    end = clock.today + 7 * DAY
    assert refusal(decide, people=people, case=case) == (
        f"The notice runs 7 days from {clock.today}; decide on or after {end}.")
    clock.advance(6)
    assert "decide on or after" in refusal(decide, people=people, case=case)
    clock.advance(7)
    decide(people, case)
    assert Case.objects.get(pk=case.pk).current_step.code == "announcement"


def test_a_notice_recorded_today_with_a_past_stated_date_runs_from_its_recording(people, household, clock):
    """A notice bent before this rule (published_on a week before it was recorded): its period, and the
    villagers' right to object, run from the day the system recorded it."""
    case = to_notice(people, household)
    notice = publish(people, case)
    Notice.objects.filter(pk=notice.pk).update(published_on=clock.today - 7 * DAY, ends_on=clock.today)
    notice.refresh_from_db()
    assert (notice.period_starts_on, notice.period_ends_on) == (clock.today, clock.today + 7 * DAY)
    assert "decide on or after" in refusal(decide, people=people, case=case)
    clock.advance(3)
    objection = services.objection_record(actor=people["village"], notice=notice, case=case, content="收入不实")
    assert objection.received_on == clock.today  # not refused as late


# A decision dated in the future ---------------------------------------------------------------------------------
def test_a_future_dated_decision_does_not_pass_the_seven_days(people, household, clock):
    case = to_notice(people, household)
    publish(people, case)
    later = clock.today + 7 * DAY
    # The issue: a decision typed as dated a week ahead passed the 7-day notice. Now refused:
    assert refusal(decide, people=people, case=case, on=later) == (
        f"decision date {later} is in the future (today is {clock.today}); a record states what has happened.")
    with entering_history(actor=system_user(), reason=HISTORY):  # the future is refused in 补录 too
        assert "is in the future" in refusal(decide, people=people, case=case, on=later)
    assert Case.objects.get(pk=case.pk).current_step.code == "village_notice"


def test_a_past_dated_decision_needs_history_mode(people, household, clock):
    case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                               year=2019)
    assert "补录" in refusal(decide, people=people, case=case, step="review", on=clock.today - DAY)


# Dates going backwards -----------------------------------------------------------------------------------------
def test_an_announcement_dated_before_the_village_notice_is_refused(people, household, clock):
    case = to_notice(people, household)
    village_notice = publish(people, case)  # 村公示 of today (2026-12-06 when this was written)
    clock.advance(7)
    decide(people, case)
    old = D(2019, 12, 20)
    # The issue: a 公告 dated 2019-12-20 after a 村公示 of today. Refused outside 补录 (a past date) …
    assert "is in the past" in refusal(publish, people=people, case=case, step="announcement", on=old,
                                       actor="county")
    # … and in 补录, where past dates are accepted, because it is before the case's last step.
    with entering_history(actor=system_user(), reason=HISTORY):
        assert refusal(publish, people=people, case=case, step="announcement", on=old, actor="county") == (
            f"notice date 2019-12-20 is before the case's last decision {clock.today}.")
    assert village_notice.published_on == clock.today - 7 * DAY
    publish(people, case, step="announcement", actor="county")
    decide(people, case, step="announcement", actor="county")


def test_in_history_mode_each_step_is_dated_after_the_one_before(people, household):
    with entering_history(actor=system_user(), reason=HISTORY):
        case = to_notice(people, household, on=D(2019, 11, 1))
        assert refusal(publish, people=people, case=case, on=D(2019, 10, 31)) == (
            "notice date 2019-10-31 is before the case's last decision 2019-11-01.")
        notice = publish(people, case, on=D(2019, 11, 2))
        assert notice.entered_as_history and notice.period_starts_on == D(2019, 11, 2)
        assert refusal(decide, people=people, case=case, on=D(2019, 11, 8)) == (
            "The notice runs 7 days from 2019-11-02; decide on or after 2019-11-09.")
        early = refusal(services.objection_record, actor=people["village"], notice=notice, case=case,
                        content="异议", received_on=D(2019, 11, 1))
        assert early == "Objections are taken during a public notice's period, which starts on 2019-11-02."
        late = refusal(services.objection_record, actor=people["village"], notice=notice, case=case,
                       content="异议", received_on=D(2019, 11, 10))
        assert late == "Objections are taken during a public notice's period (until 2019-11-09)."
        objection = services.objection_record(actor=people["village"], notice=notice, case=case, content="异议",
                                              received_on=D(2019, 11, 5))
        assert refusal(services.objection_resolve, actor=people["village"], objection=objection,
                       resolution="dismissed", note="核实无误", on=D(2019, 11, 4)) == (
            "resolution date 2019-11-04 is before the date the objection was received 2019-11-05.")
        services.objection_resolve(actor=people["village"], objection=objection, resolution="dismissed",
                                   note="核实无误", on=D(2019, 11, 6))
        decide(people, case, on=D(2019, 11, 9))
        # 公告 before the 村公示's approval, then a decision before the case started
        assert "before the case's last decision 2019-11-09" in refusal(
            publish, people=people, case=case, step="announcement", on=D(2019, 11, 8), actor="county")
    other = register_poor_household(area=VILLAGE, size=2, income_per_capita="6000")
    with entering_history(actor=system_user(), reason=HISTORY):
        case = services.case_start(actor=people["village"], procedure_code="household_exit", household=other,
                                   year=2019, on=D(2019, 11, 1))
        assert refusal(decide, people=people, case=case, step="review", on=D(2019, 10, 1)) == (
            "decision date 2019-10-01 is before the case's start 2019-11-01.")


def test_a_notice_published_in_real_time_is_not_counted_from_a_history_date(people, household, clock):
    """A notice the system saw published today cannot be approved in 补录 with a past date."""
    case = to_notice(people, household)
    publish(people, case)
    with entering_history(actor=system_user(), reason=HISTORY):
        assert "is before the case's last notice" in refusal(decide, people=people, case=case, on=D(2019, 11, 9))


def test_a_resubmission_is_not_dated_before_the_rejection(people, household):
    with entering_history(actor=system_user(), reason=HISTORY):
        case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                                   year=2019, on=D(2019, 11, 1))
        services.case_decide(actor=people["village"], case=case, step_code="review", outcome="reject",
                             on=D(2019, 11, 3))
        assert refusal(services.case_resubmit, actor=people["village"], case=Case.objects.get(pk=case.pk),
                       on=D(2019, 11, 2)) == (
            "case start date 2019-11-02 is before the rejection of the case resubmitted 2019-11-03.")


def test_a_case_does_not_start_in_the_future(people, household, clock):
    tomorrow = clock.today + DAY
    assert refusal(services.case_start, actor=people["village"], procedure_code="household_exit",
                   household=household, year=2019, on=tomorrow) == (
        f"case start date {tomorrow} is in the future (today is {clock.today}); a record states what has happened.")


# Batches go through the same checks ---------------------------------------------------------------------------
def test_batches_refuse_a_wrong_date_for_the_whole_list(people, household, clock):
    other = register_poor_household(area="533301102202", size=2, income_per_capita="6000")
    tomorrow = clock.today + DAY
    assert "is in the future" in refusal(
        services.batch_start, actor=people["township"], procedure_code="household_exit", area=household.area.parent,
        year=2019, title="鲁掌镇拟退出名单", households=[household, other], on=tomorrow)
    assert not Case.objects.exists()
    batch, refused = services.batch_start(actor=people["township"], procedure_code="household_exit",
                                          area=household.area.parent, year=2019, title="鲁掌镇拟退出名单",
                                          households=[household, other])
    assert refused == []
    assert "补录" in refusal(services.batch_decide, actor=people["township"], batch=batch, step_code="review",
                           outcome="approve", on=clock.today - DAY)
    assert "is in the future" in refusal(services.batch_decide, actor=people["township"], batch=batch,
                                         step_code="review", outcome="approve", on=tomorrow)
    for step, evidence in (("review", []), ("verify", []), ("acknowledgement", ["签字表.pdf"])):
        assert [reason for _case, reason in services.batch_decide(
            actor=people["township"], batch=batch, step_code=step, outcome="approve", evidence=evidence)] == ["", ""]
    cases = list(batch.cases.order_by("id"))
    services.notice_publish(actor=people["township"], cases=cases, step_code="village_notice", publisher="鲁掌镇")
    with translation.override("en"):
        held = services.batch_decide(actor=people["township"], batch=batch, step_code="village_notice",
                                     outcome="approve")
        assert {reason for _case, reason in held} == {
            f"The notice runs 7 days from {clock.today}; decide on or after {clock.today + 7 * DAY}."}
    clock.advance(7)
    assert [reason for _case, reason in services.batch_decide(
        actor=people["township"], batch=batch, step_code="village_notice", outcome="approve")] == ["", ""]


def test_an_objection_dated_in_the_past_needs_history_mode(people, household, clock):
    case = to_notice(people, household)
    notice = publish(people, case)
    clock.advance(2)
    assert "补录" in refusal(services.objection_record, actor=people["village"], notice=notice, case=case,
                           content="异议", received_on=clock.today - DAY)
    clock.advance(8)  # the period has ended: a villager's objection is late
    assert refusal(services.objection_record, actor=people["village"], notice=notice, case=case,
                   content="异议") == f"Objections are taken during a public notice's period (until {notice.ends_on})."
