"""The workflow inbox (待办): what waits for whom, deciding through the service (and being refused by it), publishing
a notice with its page and PDF free of ID numbers, recording and resolving objections, submitting a case — and a
user of another county seeing none of it."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader

from fupin.areas.models import AreaDesignation, AreaYear
from fupin.audit.models import AuditEvent
from fupin.core import temporal
from fupin.core.errors import Conflict, ValidationFailed
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household
from fupin.workflows import services
from fupin.workflows.models import Case, Decision, Notice, Objection, Procedure

pytestmark = pytest.mark.django_db
VILLAGE, NEIGHBOUR, TOWNSHIP, COUNTY, OTHER_COUNTY = (
    "533301102201", "533301102202", "533301102000", "533301000000", "533323000000")
PHONE, BANK_ACCOUNT = "13812345678", "6222020200112233445"


@pytest.fixture
def people():
    load_fixture_divisions()
    return {
        "village": make_user(username="cun", role="village_operator", area=VILLAGE),
        "neighbour": make_user(username="lincun", role="village_operator", area=NEIGHBOUR),
        "township": make_user(username="xiang", role="township_reviewer", area=TOWNSHIP),
        "county": make_user(username="xian", role="county_approver", area=COUNTY),
        "outsider": make_user(username="fugong", role="county_approver", area=OTHER_COUNTY),
    }


@pytest.fixture
def household(people):
    return register_poor_household(area=VILLAGE, size=3, income_per_capita="5000", phone=PHONE,
                                   bank_account=BANK_ACCOUNT)


def today():
    return timezone.localdate()


def start_exit(people, household, user="village") -> Case:
    return services.case_start(actor=people[user], procedure_code="household_exit", household=household, year=2019)


def to_village_notice(people, household) -> Case:
    """An exit case decided by the village up to its 公示 (村内公示) step."""
    case = start_exit(people, household)
    for step, evidence in (("review", []), ("verify", []), ("acknowledgement", ["签字确认书.jpg"])):
        services.case_decide(actor=people["village"], case=case, step_code=step, outcome="approve",
                             evidence=evidence)
    return case


def login(client, user):
    client.force_login(user)
    return client


def post(client, url: str, data: dict):
    """POST and follow the redirect to the page that shows the outcome, as a browser does."""
    return client.post(url, data, follow=True)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def decisions_and_audit(case: Case) -> tuple[int, int]:
    return (Decision.objects.filter(case=case).count(),
            AuditEvent.objects.filter(action="workflows.decided", object_id=str(case.pk)).count())


def test_the_inbox_lists_exactly_the_cases_waiting_for_this_users_step(client, people, household):
    mine = start_exit(people, household)
    neighbours = start_exit(people, register_poor_household(area=NEIGHBOUR, size=2, income_per_capita="6000"),
                            user="neighbour")
    page = login(client, people["village"]).get(reverse("web:inbox"))
    assert page.status_code == 200
    assert [row["case"].pk for row in page.context["rows"]] == [mine.pk]
    assert [(row["step_code"], row["number"], row["name"]) for row in page.context["rows"]] == [
        ("review", household.number, household.members.get(relation="01").name)]
    body = page.content.decode()
    assert f'data-case="{mine.pk}"' in body and f'data-case="{neighbours.pk}"' not in body
    # The township and the county see both cases in their areas, but neither is at a step of theirs yet.
    for user in ("township", "county"):
        assert login(client, people[user]).get(reverse("web:inbox")).context["rows"] == []
    assert [row["case"].pk for row in login(client, people["neighbour"]).get(
        reverse("web:inbox")).context["rows"]] == [neighbours.pk]


def test_approving_moves_the_case_on_and_writes_the_decision_and_audit(client, people, household):
    case = start_exit(people, household)
    response = post(login(client, people["village"]), reverse("web:case-decide", args=[case.pk]),
                    {"step": "review", "outcome": "approve", "comment": "评议通过"})
    assert response.redirect_chain == [(reverse("web:inbox"), 302)]
    case.refresh_from_db()
    assert (case.status, case.current_step.code) == (Case.Status.OPEN, "verify")
    decision = Decision.objects.get(case=case)
    assert (decision.step.code, decision.outcome, decision.actor, decision.comment, decision.decided_on) == (
        "review", "approve", people["village"], "评议通过", today())
    event = AuditEvent.objects.get(action="workflows.decided", object_id=str(case.pk))
    assert (event.actor, event.after["step"], event.after["outcome"]) == (people["village"], "review", "approve")
    [message] = shown_messages(response)
    assert f"#{case.pk}" in message and "“民主评议”" in message and "“核实”" in message
    assert [row["step_code"] for row in response.context["rows"]] == ["verify"]


def test_a_step_needing_evidence_takes_it_from_the_form(client, people, household):
    case = start_exit(people, household)
    for step in ("review", "verify"):
        services.case_decide(actor=people["village"], case=case, step_code=step, outcome="approve")
    client = login(client, people["village"])
    [row] = client.get(reverse("web:inbox")).context["rows"]
    assert row["needs_evidence"] is True
    refused = post(client, reverse("web:case-decide", args=[case.pk]), {"step": "acknowledgement",
                                                                        "outcome": "approve"})
    [message] = shown_messages(refused)
    assert f"#{case.pk}" in message
    assert message.endswith(str(ValidationFailed(_("This step needs evidence (e.g. the signed acknowledgement)."))))
    assert Decision.objects.filter(case=case, step__code="acknowledgement").count() == 0
    client.post(reverse("web:case-decide", args=[case.pk]), {"step": "acknowledgement", "outcome": "approve",
                                                             "evidence": "签字确认书.jpg\n\n入户照片.jpg\n"})
    assert Decision.objects.get(case=case, step__code="acknowledgement").evidence == ["签字确认书.jpg", "入户照片.jpg"]
    assert Case.objects.get(pk=case.pk).current_step.code == "village_notice"


def test_rejecting_ends_the_case(client, people, household):
    case = start_exit(people, household)
    response = post(login(client, people["village"]), reverse("web:case-decide", args=[case.pk]), {
        "step": "review", "outcome": "reject", "comment": "评议未通过"})
    case.refresh_from_db()
    assert (case.status, case.finished_on) == (Case.Status.REJECTED, today())
    assert Decision.objects.get(case=case).outcome == "reject"
    [message] = shown_messages(response)
    assert f"#{case.pk}" in message and "“民主评议”" in message
    assert response.context["rows"] == []


def test_a_decision_the_service_refuses_shows_its_message_and_writes_nothing(client, people, household):
    case = start_exit(people, household)
    # The township reviewer sees the case but the step is the village operator's (role and level).
    refused = post(login(client, people["township"]), reverse("web:case-decide", args=[case.pk]),
                   {"step": "review", "outcome": "approve"})
    [message] = shown_messages(refused)
    assert f"#{case.pk}" in message and message.endswith("您在该区域没有此操作的权限。")
    # A step other than the current one.
    skipped = post(login(client, people["village"]), reverse("web:case-decide", args=[case.pk]),
                   {"step": "verify", "outcome": "approve"})
    [message] = shown_messages(skipped)
    assert message.endswith("“verify”不是当前步骤；该事项处于“民主评议”。")
    assert decisions_and_audit(case) == (0, 0)
    assert Case.objects.get(pk=case.pk).current_step.code == "review"

    # The notice period has not run: published today (the system's date), seven days needed.
    case = to_village_notice(people, register_poor_household(area=VILLAGE, size=2, income_per_capita="6000"))
    published = today()
    services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice", publisher="村委会",
                            on=published)
    before = decisions_and_audit(case)
    early = post(client, reverse("web:case-decide", args=[case.pk]), {"step": "village_notice",
                                                                      "outcome": "approve"})
    end = published + datetime.timedelta(days=7)
    [message] = shown_messages(early)
    assert message.endswith(f"公示期自 {published} 起 7 天；请于 {end} 或之后决定。")
    assert decisions_and_audit(case) == before == (3, 3)
    assert Case.objects.get(pk=case.pk).current_step.code == "village_notice"
    rows = {row["case"].pk: row for row in early.context["rows"]}
    assert (rows[case.pk]["notice"].published_on, rows[case.pk]["decide_from"]) == (published, end)


def test_bulk_approval_decides_each_selected_case_and_reports_the_ones_held_back(client, people, household):
    first = start_exit(people, household)
    second = start_exit(people, register_poor_household(area=VILLAGE, size=2, income_per_capita="6000"))
    stale = start_exit(people, register_poor_household(area=VILLAGE, size=2, income_per_capita="7000"))
    services.case_decide(actor=people["village"], case=stale, step_code="review", outcome="approve")
    response = post(login(client, people["village"]), reverse("web:inbox-approve"), {
        "selected": [f"{first.pk}:review", f"{second.pk}:review", f"{stale.pk}:review"], "bulk-comment": "集体评议"})
    assert [Case.objects.get(pk=c.pk).current_step.code for c in (first, second, stale)] == [
        "verify", "verify", "verify"]
    assert list(Decision.objects.filter(comment="集体评议").values_list("case_id", flat=True).order_by("case_id")) == [
        first.pk, second.pk]
    held, done = shown_messages(response)
    assert f"#{stale.pk}" in held and held.endswith("“review”不是当前步骤；该事项处于“核实”。")
    assert done.endswith(f"#{first.pk}, #{second.pk}")


def test_publishing_a_notice_then_its_page_and_pdf_list_names_but_no_id_number(client, people, household,
                                                                               monkeypatch):
    case = to_village_notice(people, household)
    client = login(client, people["village"])
    inbox = client.get(reverse("web:inbox"))
    [group] = inbox.context["groups"]
    assert [row["case"].pk for row in group["rows"]] == [case.pk] and group["step"] == "村内公示"
    assert inbox.context["rows"][0]["needs_notice"] is True
    assert f'value="{today().isoformat()}"' in inbox.content.decode()  # the date put up defaults to today
    on = today()
    prefix = group["form"].prefix
    response = client.post(reverse("web:notice-publish"), {
        "prefix": prefix, f"{prefix}-step": "village_notice", f"{prefix}-publisher": "鲁掌村村民委员会",
        f"{prefix}-objection_contact": "村委会办公室", f"{prefix}-on": on.isoformat(), "cases": [str(case.pk)]})
    notice = Notice.objects.get()
    assert response.status_code == 302 and response.url == reverse("web:notice", args=[notice.pk])
    assert (list(notice.cases.all()), notice.step.code, notice.published_on, notice.ends_on, notice.publisher,
            notice.objection_contact) == ([case], "village_notice", on, on + datetime.timedelta(days=7),
                                          "鲁掌村村民委员会", "村委会办公室")
    assert AuditEvent.objects.filter(action="workflows.notice_published", object_id=str(notice.pk)).count() == 1

    page = client.get(reverse("web:notice", args=[notice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    pdf = client.get(reverse("web:notice-pdf", args=[notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(b"".join(pdf.streaming_content))).pages)
    head = household.members.get(relation="01").name
    for text in (html, pdf_text):
        assert household.number in text and head in text
        for member in household.members.all():
            assert member.id_number not in text and member.id_number[6:14] not in text
        assert PHONE not in text and BANK_ACCOUNT not in text
    # A week later (the system's clock moved on): the seven days have run, so the step can now be approved.
    week_later = on + datetime.timedelta(days=7)
    monkeypatch.setattr(temporal, "today", lambda: week_later)
    [row] = client.get(reverse("web:inbox")).context["rows"]
    assert (row["needs_notice"], row["notice"], row["decide_from"]) == (False, notice, week_later)
    client.post(reverse("web:case-decide", args=[case.pk]), {"step": "village_notice", "outcome": "approve"})
    assert Case.objects.get(pk=case.pk).current_step.code == "announcement"


def test_a_notice_for_a_case_outside_the_users_areas_is_not_published(client, people, household):
    case = to_village_notice(people, household)
    prefix = "publish-x"
    response = login(client, people["neighbour"]).post(reverse("web:notice-publish"), {
        "prefix": prefix, f"{prefix}-step": "village_notice", f"{prefix}-publisher": "邻村",
        f"{prefix}-on": today().isoformat(), "cases": [str(case.pk)]})
    assert response.status_code == 404
    # The township sees the case, but publishing the village's notice is not its step: the service refuses.
    refused = post(login(client, people["township"]), reverse("web:notice-publish"), {
        "prefix": prefix, f"{prefix}-step": "village_notice", f"{prefix}-publisher": "鲁掌镇",
        f"{prefix}-on": today().isoformat(), "cases": [str(case.pk)]})
    assert shown_messages(refused) == ["您在该区域没有此操作的权限。"]
    assert Notice.objects.count() == 0


def test_recording_and_resolving_an_objection(client, people, household):
    case = to_village_notice(people, household)
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="村委会", on=today())
    client = login(client, people["village"])
    recorded = client.post(reverse("web:notice", args=[notice.pk]), {
        "case": str(case.pk), "raised_by": "村民甲", "content": "该户仍有医疗负债", "received_on": today().isoformat()})
    assert recorded.status_code == 302
    objection = Objection.objects.get()
    assert (objection.case, objection.notice, objection.raised_by, objection.content, objection.resolution) == (
        case, notice, "村民甲", "该户仍有医疗负债", "")
    inbox = client.get(reverse("web:inbox"))
    assert [item["objection"].pk for item in inbox.context["objections"]] == [objection.pk]
    prefix = f"resolve-{objection.pk}"
    unexplained = post(client, reverse("web:objection-resolve", args=[objection.pk]), {
        f"{prefix}-resolution": "dismissed", f"{prefix}-note": ""})
    [message] = shown_messages(unexplained)
    assert message.endswith("核实情况: 该字段是必填项。")
    assert Objection.objects.get().resolution == ""
    resolved = post(client, reverse("web:objection-resolve", args=[objection.pk]), {
        f"{prefix}-resolution": "dismissed", f"{prefix}-note": "经核实已结清"})
    objection.refresh_from_db()
    assert (objection.resolution, objection.resolution_note, objection.resolved_by, objection.resolved_on) == (
        "dismissed", "经核实已结清", people["village"], today())
    assert AuditEvent.objects.filter(action="workflows.objection_resolved", object_id=str(objection.pk)).count() == 1
    assert resolved.context["objections"] == []
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN


def test_an_upheld_objection_rejects_the_case(client, people, household):
    case = to_village_notice(people, household)
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="村委会", on=today())
    objection = services.objection_record(actor=people["village"], notice=notice, case=case, content="收入不实")
    prefix = f"resolve-{objection.pk}"
    login(client, people["village"]).post(reverse("web:objection-resolve", args=[objection.pk]), {
        f"{prefix}-resolution": "upheld", f"{prefix}-note": "核实属实"})
    assert Case.objects.get(pk=case.pk).status == Case.Status.REJECTED
    assert Decision.objects.filter(case=case).last().outcome == "reject"


def test_a_user_granted_another_county_sees_none_of_it(client, people, household):
    case = to_village_notice(people, household)
    notice = services.notice_publish(actor=people["village"], cases=[case], step_code="village_notice",
                                     publisher="村委会", on=today())
    objection = services.objection_record(actor=people["village"], notice=notice, case=case, content="异议")
    client = login(client, people["outsider"])
    inbox = client.get(reverse("web:inbox"))
    assert (inbox.context["rows"], inbox.context["groups"], inbox.context["objections"]) == ([], [], [])
    assert f'data-case="{case.pk}"' not in inbox.content.decode()
    assert client.get(reverse("web:notice", args=[notice.pk])).status_code == 404
    assert client.get(reverse("web:notice-pdf", args=[notice.pk])).status_code == 404
    assert client.post(reverse("web:case-decide", args=[case.pk]), {"step": "village_notice",
                                                                   "outcome": "reject"}).status_code == 404
    assert client.post(reverse("web:objection-resolve", args=[objection.pk]), {
        f"resolve-{objection.pk}-resolution": "upheld", f"resolve-{objection.pk}-note": "x"}).status_code == 404
    assert client.post(reverse("web:notice", args=[notice.pk]), {
        "case": str(case.pk), "content": "x", "received_on": today().isoformat()}).status_code == 404
    assert (Case.objects.get(pk=case.pk).status, Objection.objects.get().resolution) == (Case.Status.OPEN, "")


def test_submitting_a_case(client, people, household):
    client = login(client, people["village"])
    form = client.get(reverse("web:case-start"), {"household": household.pk, "procedure": "household_exit"})
    assert form.context["form"].initial["household"] == f"533301/{household.number}"  # its county's reference
    assert form.context["form"].initial["procedure"].code == "household_exit"
    response = client.post(reverse("web:case-start"), {"procedure": form.context["form"].initial["procedure"].pk,
                                                       "year": "2019", "household": household.number})
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"{reverse('web:inbox')}#case-{case.pk}"
    assert (case.procedure.code, case.household, case.year, case.current_step.code, case.created_by) == (
        "household_exit", household, 2019, "review", people["village"])
    assert AuditEvent.objects.filter(action="workflows.case_started", object_id=str(case.pk)).count() == 1
    # Twice: the service refuses, the form says why and nothing is written.
    again = client.post(reverse("web:case-start"), {"procedure": case.procedure.pk, "year": "2019",
                                                    "household": str(household.pk)})
    assert again.status_code == 200 and Case.objects.count() == 1
    assert again.context["form"].non_field_errors() == [
        str(Conflict(_("This procedure is already under way for %(subject)s."), subject=household.number))]
    # A household outside the user's areas is not found; a village's procedure wants a village.
    other = register_poor_household(area=NEIGHBOUR, size=2, income_per_capita="6000")
    outside = client.post(reverse("web:case-start"), {"procedure": case.procedure.pk, "year": "2019",
                                                      "household": other.number})
    assert list(outside.context["form"].errors) == ["household"] and Case.objects.count() == 1
    village_exit = Procedure.objects.get(code="village_exit").pk
    township = client.post(reverse("web:case-start"), {"procedure": village_exit, "year": "2019", "area": TOWNSHIP})
    assert list(township.context["form"].errors) == ["area"]  # the township is outside a village grant


def test_submitting_a_villages_exit_by_its_area_code(client, people):
    AreaDesignation.objects.create(area_id=VILLAGE, designation_type_id="poor_village", year=2014)
    register_poor_household(area=VILLAGE, size=2, income_per_capita="1000")  # 2 poor in 100: 2% < 3%
    AreaYear.objects.create(area_id=VILLAGE, year=2019, rural_population=100)
    client = login(client, people["village"])
    response = post(client, reverse("web:case-start"), {
        "procedure": Procedure.objects.get(code="village_exit").pk, "year": "2019", "area": VILLAGE})
    case = Case.objects.get()
    assert (case.procedure.code, case.household, case.area_id, case.current_step.code) == (
        "village_exit", None, VILLAGE, "proposal")
    assert [(row["case"], row["number"], row["name"]) for row in response.context["rows"]] == [
        (case, VILLAGE, "鲁掌村委会")]


@pytest.mark.parametrize(("language", "expected"), [
    ("zh-hans", ("贫困户退出", "民主评议", "户编号")),
    ("zh-hant", ("貧困戶退出", "民主評議", "戶編號")),
    ("en", ("household exit", "village democratic review", "Household number", "Waiting for my decision: 1 step",
            "Notices to publish", "Objections to resolve", "Approve selected")),
])
def test_the_inbox_in_each_language(client, people, household, language, expected):
    start_exit(people, household)
    client = login(client, people["village"])
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    body = client.get(reverse("web:inbox")).content.decode()
    assert f'<html lang="{language}">' in body
    for text in expected:
        assert text in body
