import datetime

import pytest
from pypdf import PdfReader

from fupin.accounts.history import entering_history
from fupin.areas.models import AreaDesignation, AreaYear
from fupin.audit.models import AuditEvent
from fupin.core.errors import Conflict, PermissionDenied, ValidationFailed
from fupin.registry.models import Household
from fupin.testing.factories import id_number, load_fixture_divisions, make_user, register_poor_household, system_user
from fupin.workflows import services
from fupin.workflows.models import Case, Decision

pytestmark = pytest.mark.django_db
VILLAGE, TOWNSHIP, COUNTY = "533301102201", "533301102000", "533301000000"
D = datetime.date


@pytest.fixture
def people():
    load_fixture_divisions()
    with entering_history(actor=system_user(), reason="测试：2019 与 2022 年的程序补录"):
        # These procedures are dated 2019 and 2022: history entered after the fact (real time: test_dates.py).
        yield {
            "village": make_user(username="cun", role="village_operator", area=VILLAGE),
            "township": make_user(username="xiang", role="township_reviewer", area=TOWNSHIP),
            "county": make_user(username="xian", role="county_approver", area=COUNTY),
        }


@pytest.fixture
def household(people):
    return register_poor_household(area=VILLAGE, size=3, income_per_capita="5000", phone="13812345678",
                                   bank_account="6222020200112233445")


START = D(2019, 11, 1)


def run_exit_to_notice(people, household, start=START):
    case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                               year=2019, on=start)
    services.case_decide(actor=people["village"], case=case, step_code="review", outcome="approve", on=start)
    services.case_decide(actor=people["village"], case=case, step_code="verify", outcome="approve", on=start)
    services.case_decide(actor=people["village"], case=case, step_code="acknowledgement", outcome="approve",
                         evidence=["acknowledgement-signed.jpg"], on=start)
    return case


def test_household_exit_from_review_to_deregistration(people, household):
    case = run_exit_to_notice(people, household)
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="鲁掌村村民委员会", objection_contact="村委会 电话 0886-1234567",
                                     on=D(2019, 11, 2))
    with pytest.raises(ValidationFailed, match="2019-11-09"):  # seven days must run first
        services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                             on=D(2019, 11, 8))
    services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                         on=D(2019, 11, 9))
    with pytest.raises(ValidationFailed, match="尚未发布"):
        services.case_decide(actor=people["county"], case=case, step_code="announcement", outcome="approve",
                             on=D(2019, 11, 10))
    services.notice_publish(actor=people["county"], cases=[case], step_code="announcement", publisher="泸水市扶贫办",
                            on=D(2019, 11, 10))
    services.case_decide(actor=people["county"], case=case, step_code="announcement", outcome="approve",
                         on=D(2019, 11, 10))
    services.case_decide(actor=people["county"], case=case, step_code="deregistration", outcome="approve",
                         on=D(2019, 11, 12))
    case.refresh_from_db()
    household.refresh_from_db()
    assert (case.status, case.finished_on) == (Case.Status.COMPLETED, D(2019, 11, 12))
    assert (household.status, household.exit_year, household.attribute) == ("1", 2019, "05")
    last = household.transitions.order_by("id").last()
    assert (last.to_status, last.evidence) == ("1", {"procedure": "household_exit", "case": case.pk})
    assert [d.step.code for d in case.decisions.all()] == [
        "review", "verify", "acknowledgement", "village_notice", "announcement", "deregistration"]
    assert notice.pdf.name.endswith(".pdf")


def test_steps_cannot_be_skipped_or_decided_out_of_order(people, household):
    case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                               year=2019, on=D(2019, 11, 1))
    # The county tries to decide before the village has (the approval-order bug of OpenSPP #771).
    with pytest.raises(ValidationFailed, match="不是当前步骤"):
        services.case_decide(actor=people["county"], case=case, step_code="deregistration", outcome="approve")
    with pytest.raises(ValidationFailed, match="不是当前步骤"):
        services.case_decide(actor=people["village"], case=case, step_code="verify", outcome="approve")
    # A village operator cannot decide a county step even once the case reaches it, nor a township its own.
    services.case_decide(actor=people["village"], case=case, step_code="review", outcome="approve")
    with pytest.raises(PermissionDenied):
        services.case_decide(actor=people["township"], case=case, step_code="verify", outcome="approve")
    services.case_decide(actor=people["village"], case=case, step_code="verify", outcome="approve")
    with pytest.raises(ValidationFailed, match="证明材料"):
        services.case_decide(actor=people["village"], case=case, step_code="acknowledgement", outcome="approve")
    assert list(Case.objects.get(pk=case.pk).decisions.values_list("step__code", flat=True)) == ["review", "verify"]


def test_the_ledger_is_insert_only(people, household):
    case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                               year=2019)
    decision = services.case_decide(actor=people["village"], case=case, step_code="review", outcome="approve")
    decision.comment = "changed"
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.delete()
    assert Decision.objects.get(pk=decision.pk).comment == ""


def test_objection_upheld_rejects_and_the_case_can_be_resubmitted(people, household):
    case = run_exit_to_notice(people, household)
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="鲁掌村村民委员会", on=D(2019, 11, 2))
    objection = services.objection_record(actor=people["village"], notice=notice, case=case,
                                          content="该户仍有大额医疗负债", received_on=D(2019, 11, 5))
    with pytest.raises(ValidationFailed, match="未处理的异议"):
        services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                             on=D(2019, 11, 10))
    with pytest.raises(ValidationFailed, match="公示期内"):
        services.objection_record(actor=people["village"], notice=notice, case=case, content="迟到的异议",
                                  received_on=D(2019, 11, 10))
    services.objection_resolve(actor=people["village"], objection=objection, resolution="upheld",
                               note="核实属实，暂缓退出", on=D(2019, 11, 8))
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED
    with pytest.raises(Conflict):
        services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve")
    again = services.case_resubmit(actor=people["village"], case=case, on=D(2019, 12, 1))
    assert (again.resubmission_of_id, again.current_step.code, again.status) == (case.pk, "review", "open")


def test_objection_dismissed_lets_the_case_go_on(people, household):
    case = run_exit_to_notice(people, household)
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="村委会", on=D(2019, 11, 2))
    objection = services.objection_record(actor=people["village"], notice=notice, case=case, content="收入不实",
                                          received_on=D(2019, 11, 3))
    services.objection_resolve(actor=people["village"], objection=objection, resolution="dismissed",
                               note="核实务工收入属实", on=D(2019, 11, 6))
    services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                         on=D(2019, 11, 9))
    assert Case.objects.get(pk=case.pk).current_step.code == "announcement"


def test_rejection_ends_a_case(people, household):
    case = services.case_start(actor=people["village"], procedure_code="household_exit", household=household,
                               year=2019)
    services.case_decide(actor=people["village"], case=case, step_code="review", outcome="reject",
                         comment="评议未通过")
    case.refresh_from_db()
    assert case.status == Case.Status.REJECTED
    assert Household.objects.get(pk=household.pk).status == "0"


def test_an_ineligible_household_cannot_start_an_exit(people):
    poor = register_poor_household(area=VILLAGE, size=2, income_per_capita="3000")
    with pytest.raises(ValidationFailed, match="3747"):
        services.case_start(actor=people["village"], procedure_code="household_exit", household=poor, year=2019)


def test_a_township_batch_holds_one_household_back_without_blocking_the_others(people, household):
    other = register_poor_household(area="533301102202", size=2, income_per_capita="6000")
    ineligible = register_poor_household(area=VILLAGE, size=2, income_per_capita="100")
    operator = make_user(role="village_operator", area=TOWNSHIP)
    batch, refused = services.batch_start(actor=operator, procedure_code="household_exit",
                                          area=household.area.parent, year=2019, title="鲁掌镇2019年拟退出名单",
                                          households=[household, other, ineligible], on=D(2019, 11, 1))
    assert [(subject.number, "3747" in reason) for subject, reason in refused] == [(ineligible.number, True)]
    for step in ("review", "verify"):
        services.batch_decide(actor=operator, batch=batch, step_code=step, outcome="approve", on=D(2019, 11, 1))
    services.batch_decide(actor=operator, batch=batch, step_code="acknowledgement", outcome="approve",
                          evidence=["签字表.pdf"], on=D(2019, 11, 1))
    cases = list(batch.cases.order_by("id"))
    notice = services.notice_publish(actor=operator, cases=cases, step_code="village_notice", publisher="鲁掌镇",
                                     on=D(2019, 11, 2))
    services.objection_record(actor=operator, notice=notice, case=cases[1], content="异议", received_on=D(2019, 11, 3))
    results = services.batch_decide(actor=operator, batch=batch, step_code="village_notice", outcome="approve",
                                    on=D(2019, 11, 9))
    assert [(case.pk, bool(reason)) for case, reason in results] == [(cases[0].pk, False), (cases[1].pk, True)]
    assert [c.current_step.code for c in batch.cases.order_by("id")] == ["announcement", "village_notice"]


def test_notices_show_no_sensitive_field(people, household):
    case = run_exit_to_notice(people, household)
    household.members.update(health="3")
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="鲁掌村村民委员会", objection_contact="村委会", on=D(2019, 11, 2))
    text = notice.html + "".join(page.extract_text() for page in PdfReader(notice.pdf.path).pages)
    assert household.number in text and "成员" in text  # the household and its head are listed
    for member in household.members.all():
        assert member.id_number not in text and member.id_number[-6:] not in text
    for secret in ("13812345678", "6222020200112233445", "大病", "患有", "健康", "残疾", "慢性病"):
        assert secret not in text
    assert "2019-11-09" in text and "公示" in notice.title


def test_village_and_county_exit_update_designations(people):
    for area, kind in ((VILLAGE, "poor_village"), (COUNTY, "poor_county")):
        AreaDesignation.objects.create(area_id=area, designation_type_id=kind, year=2014)
    register_poor_household(area=VILLAGE, size=2, income_per_capita="1000")
    AreaYear.objects.create(area_id=VILLAGE, year=2019, rural_population=100)
    province = make_user(role="province_approver", area="530000000000")
    prefecture = make_user(role="prefecture_reviewer", area="533300000000")
    evaluator = make_user(role="evaluator", area="530000000000")
    village = services.case_start(actor=people["village"], procedure_code="village_exit",
                                  area=household_area(VILLAGE), year=2019, on=D(2019, 10, 1))
    services.case_decide(actor=people["village"], case=village, step_code="proposal", outcome="approve",
                         on=D(2019, 10, 1))
    services.case_decide(actor=people["township"], case=village, step_code="township_review", outcome="approve",
                         on=D(2019, 10, 1))
    services.notice_publish(actor=people["township"], cases=[village], step_code="township_notice",
                            publisher="鲁掌镇人民政府", on=D(2019, 10, 2))
    services.case_decide(actor=people["township"], case=village, step_code="township_notice", outcome="approve",
                         on=D(2019, 10, 9))
    services.case_decide(actor=people["county"], case=village, step_code="county_approval", outcome="approve")
    services.notice_publish(actor=people["county"], cases=[village], step_code="announcement", publisher="泸水市")
    services.case_decide(actor=people["county"], case=village, step_code="announcement", outcome="approve")
    assert AreaDesignation.objects.get(area_id=VILLAGE).exit_year == 2019

    county = services.case_start(actor=people["county"], procedure_code="county_exit", area=household_area(COUNTY),
                                 year=2019, on=D(2019, 12, 1))
    services.case_decide(actor=people["county"], case=county, step_code="county_proposal", outcome="approve",
                         on=D(2019, 12, 1))
    with pytest.raises(PermissionDenied):  # a county approver cannot review at the prefecture
        services.case_decide(actor=people["county"], case=county, step_code="prefecture_review", outcome="approve")
    services.case_decide(actor=prefecture, case=county, step_code="prefecture_review", outcome="approve",
                         on=D(2019, 12, 1))
    services.notice_publish(actor=province, cases=[county], step_code="province_check",
                            publisher="云南省扶贫开发领导小组", on=D(2019, 12, 2))
    services.case_decide(actor=province, case=county, step_code="province_check", outcome="approve", on=D(2019, 12, 9))
    services.case_decide(actor=province, case=county, step_code="province_decision", outcome="approve")
    services.case_decide(actor=evaluator, case=county, step_code="national_check", outcome="approve",
                         evidence=["评估报告.pdf"])
    services.notice_publish(actor=province, cases=[county], step_code="province_approval", publisher="云南省人民政府")
    services.case_decide(actor=province, case=county, step_code="province_approval", outcome="approve")
    assert AreaDesignation.objects.get(area_id=COUNTY).exit_year == 2019
    assert AuditEvent.objects.filter(action="areas.designation_saved").count() == 2


def household_area(code):
    from fupin.areas.models import Area

    return Area.objects.get(code=code)


def test_monitoring_identification_and_risk_elimination(people):
    from decimal import Decimal

    from fupin.rules.models import MonitoringThreshold

    MonitoringThreshold.objects.create(year=2022, province_code="53", amount=Decimal("8000"))
    household = register_poor_household(area=VILLAGE, size=2, year=2022, income_per_capita="7000", status="1")
    case = services.case_start(actor=people["village"], procedure_code="monitoring_identification",
                               household=household, year=2022, params={"category": "1"}, on=D(2022, 3, 1))
    assert case.deadline == D(2022, 3, 16)
    services.case_decide(actor=people["village"], case=case, step_code="clue", outcome="approve", on=D(2022, 3, 1))
    services.case_decide(actor=people["village"], case=case, step_code="verification", outcome="approve",
                         evidence=["承诺授权书.jpg"], on=D(2022, 3, 2))
    services.case_decide(actor=people["county"], case=case, step_code="comparison", outcome="approve", on=D(2022, 3, 3))
    services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice", publisher="村委会",
                            on=D(2022, 3, 4))
    services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                         on=D(2022, 3, 9))  # five days
    services.case_decide(actor=people["township"], case=case, step_code="township_review", outcome="approve",
                         on=D(2022, 3, 10))
    services.notice_publish(actor=people["county"], cases=[case], step_code="county_decision", publisher="泸水市",
                            on=D(2022, 3, 12))
    services.case_decide(actor=people["county"], case=case, step_code="county_decision", outcome="approve",
                         on=D(2022, 3, 12))
    household.refresh_from_db()
    assert (household.monitoring_category, household.monitoring_since, household.risk_status) == (
        "1", D(2022, 3, 12), "1")
    assert Case.objects.get(pk=case.pk).overdue is False

    household.years.update(net_income=Decimal("18000"), net_income_per_capita=Decimal("9000"))
    household.members.update(labour="5")  # nobody can work: the risk is never marked eliminated
    elimination = services.case_start(actor=people["village"], procedure_code="risk_elimination",
                                      household=household, year=2022, on=D(2022, 11, 1))
    services.case_decide(actor=people["village"], case=elimination, step_code="proposal", outcome="approve",
                         on=D(2022, 11, 1))
    services.case_decide(actor=people["village"], case=elimination, step_code="verification", outcome="approve",
                         evidence=["走访记录.jpg"], on=D(2022, 11, 1))
    services.notice_publish(actor=people["village"], cases=[elimination], step_code="village_notice",
                            publisher="村委会", on=D(2022, 11, 2))
    services.case_decide(actor=people["village"], case=elimination, step_code="village_notice", outcome="approve",
                         on=D(2022, 11, 9))
    services.case_decide(actor=people["township"], case=elimination, step_code="township_review", outcome="approve",
                         on=D(2022, 11, 10))
    services.notice_publish(actor=people["county"], cases=[elimination], step_code="county_decision",
                            publisher="泸水市", on=D(2022, 12, 20))
    with pytest.raises(ValidationFailed, match="整户无劳动能力"):
        services.case_decide(actor=people["county"], case=elimination, step_code="county_decision",
                             outcome="approve", on=D(2022, 12, 20))
    household.refresh_from_db()
    assert household.risk_status == "1"
    assert id_number()  # the factory's numbers stay valid


def test_household_identification_two_notices_and_an_announcement(people):
    applicant = register_poor_household(area=VILLAGE, size=2, income_per_capita="2500", status="5")
    case = services.case_start(actor=people["village"], procedure_code="household_identification",
                               household=applicant, year=2019, on=D(2019, 4, 1))
    services.case_decide(actor=people["village"], case=case, step_code="apply", outcome="approve",
                         evidence=["申请书.jpg"], on=D(2019, 4, 1))
    for step in ("review", "verify"):
        services.case_decide(actor=people["village"], case=case, step_code=step, outcome="approve", on=D(2019, 4, 2))
    services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice", publisher="村委会",
                            on=D(2019, 4, 3))
    services.case_decide(actor=people["village"], case=case, step_code="village_notice", outcome="approve",
                         on=D(2019, 4, 10))
    services.case_decide(actor=people["township"], case=case, step_code="township_review", outcome="approve",
                         on=D(2019, 4, 11))
    services.notice_publish(actor=people["township"], cases=[case], step_code="township_notice", publisher="鲁掌镇",
                            on=D(2019, 4, 12))
    services.case_decide(actor=people["township"], case=case, step_code="township_notice", outcome="approve",
                         on=D(2019, 4, 19))
    services.case_decide(actor=people["county"], case=case, step_code="county_decision", outcome="approve",
                         on=D(2019, 4, 20))
    announcement = services.notice_publish(actor=people["county"], cases=[case], step_code="announcement",
                                           publisher="泸水市扶贫开发领导小组", on=D(2019, 4, 21))
    services.case_decide(actor=people["county"], case=case, step_code="announcement", outcome="approve",
                         on=D(2019, 4, 21))
    services.case_decide(actor=people["village"], case=case, step_code="entry", outcome="approve", on=D(2019, 4, 22))
    applicant.refresh_from_db()
    assert (applicant.status, Case.objects.get(pk=case.pk).status) == ("0", "completed")
    assert "公告" in announcement.title and announcement.kind == "gonggao"
    assert [t.to_status for t in applicant.transitions.order_by("id")] == ["5", "0"]

