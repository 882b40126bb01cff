"""The household file (户档案) and its two printed documents, on a household built through the services: registered
in 2018, given its 2019 incomes, a plan, measures, a responsible cadre, a visit, a project and funds, and taken out of
poverty by the household exit procedure (so its trajectory has a transition with a case as evidence)."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from fupin.accounts.history import entering_history
from fupin.areas.models import Area
from fupin.assistance import services as assistance
from fupin.assistance.models import MeasureType
from fupin.audit.models import AuditEvent
from fupin.funds.services import entry_save, fund_document_save
from fupin.projects.services import beneficiary_save, project_save
from fupin.registry.services import household_year_save
from fupin.testing.factories import load_fixture_divisions, make_cadre, make_user, register_poor_household, system_user
from fupin.workflows import services as workflows

pytestmark = pytest.mark.django_db
D = datetime.date
COUNTY, TOWNSHIP, VILLAGE = "533301000000", "533301102000", "533301102201"
ELSEWHERE = "533323000000"


@pytest.fixture
def people():
    load_fixture_divisions()
    return {"village": make_user(role="village_operator", area=VILLAGE),
            "township": make_user(role="township_reviewer", area=TOWNSHIP),
            "county": make_user(role="county_approver", area=COUNTY),
            "elsewhere": make_user(role="county_approver", area=ELSEWHERE)}


def _exit(people, household):
    """The household exit procedure, step by step, to the deregistration that changes the status."""
    village, county = people["village"], people["county"]
    start = D(2019, 11, 1)
    case = workflows.case_start(actor=village, procedure_code="household_exit", household=household, year=2019,
                                on=start)
    for step in ("review", "verify"):
        workflows.case_decide(actor=village, case=case, step_code=step, outcome="approve", on=start)
    workflows.case_decide(actor=village, case=case, step_code="acknowledgement", outcome="approve",
                          evidence=["acknowledgement-signed.jpg"], on=start)
    workflows.notice_publish(actor=village, cases=[case], step_code="village_notice", publisher="鲁掌村村民委员会",
                             on=D(2019, 11, 2))
    workflows.case_decide(actor=village, case=case, step_code="village_notice", outcome="approve", on=D(2019, 11, 9))
    workflows.notice_publish(actor=county, cases=[case], step_code="announcement", publisher="泸水市扶贫办",
                             on=D(2019, 11, 10))
    workflows.case_decide(actor=county, case=case, step_code="announcement", outcome="approve", on=D(2019, 11, 10))
    workflows.case_decide(actor=county, case=case, step_code="deregistration", outcome="approve", on=D(2019, 11, 12))
    return case


@pytest.fixture
def household(people):
    actor = system_user()
    household = register_poor_household(area=VILLAGE, size=3, year=2018, income_per_capita="2000",
                                        phone="13812345678", bank_name="农村信用社", bank_account="6222020200112233445")
    household_year_save(actor=actor, household=household, year=2019, data={
        "size_end": 3, "wage_income": "12000", "business_income": "3000", "business_expense": "1000",
        "property_income": "500", "dibao_payment": "1500", "pension_payment": "1000",
        **{name: True for name in ("food_secure", "clothing_secure", "education_secure", "medical_secure",
                                   "housing_secure", "water_secure")}})
    industry, health = MeasureType.objects.get(code="industry"), MeasureType.objects.get(code="health")
    assistance.plan_save(actor=actor, household=household, year=2019,
                         planned=[{"measure_type": industry, "planned_amount": Decimal("3000")}])
    son = household.members.filter(relation="03").order_by("id").first()
    for measure_type, day, amount, member in ((industry, D(2019, 4, 1), "3000", None),
                                              (health, D(2019, 6, 1), "1200", son)):
        assistance.record_save(actor=actor, kind="delivered", data={
            "household": household, "measure_type": measure_type, "delivered_on": day, "amount": Decimal(amount),
            "member": member})
    cadre = make_cadre(name="王帮扶", phone="13900001111", unit_name="泸水市农业农村局")
    assistance.record_save(actor=actor, kind="responsibility", data={
        "household": household, "cadre": cadre, "level": "county", "start_date": D(2018, 1, 1)})
    assistance.record_save(actor=actor, kind="visit", data={
        "household": household, "cadre": cadre, "visited_on": D(2019, 3, 20), "notes": "了解产业进展"})
    lushui = Area.objects.get(code=COUNTY)
    project = project_save(actor=actor, data={"name": "鲁掌村核桃种植", "type": "infrastructure", "area": lushui,
                                              "year": 2019})
    beneficiary_save(actor=actor, data={"project": project, "household": household, "mechanism": "dividends",
                                        "amount": Decimal("800"), "persons": 3})
    document = fund_document_save(actor=actor, data={
        "number": "怒财农〔2019〕3号", "title": "产业发展资金", "source": "provincial_fiscal", "year": 2019,
        "issuing_area": Area.objects.get(code="533300000000"), "total": Decimal("100000"),
        "issued_on": D(2019, 2, 1)})
    for kind, extra in (("allocate", {}), ("arrive", {}), ("spend", {"household": household, "project": project})):
        entry_save(actor=actor, data={"document": document, "kind": kind, "area": lushui, "amount": Decimal("5000"),
                                      "date": D(2019, 3, 1), **extra})
    with entering_history(actor=actor, reason="测试：2019 年退出程序补录"):  # a 2019 exit, entered as history
        case = _exit(people, household)
    household.refresh_from_db()
    return {"household": household, "case": case, "cadre": cadre, "son": son}


def _masked_id(value: str) -> str:
    return value[:6] + "********" + value[-4:]


def _pdf_text(response) -> tuple[int, str]:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def _sensitive_events():
    return AuditEvent.objects.filter(action="registry.sensitive_viewed")


def test_the_file_shows_the_household_from_its_records(client, people, household):
    row = household["household"]
    client.force_login(people["village"])
    response = client.get(reverse("web:household", args=[row.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    for member in row.members.all():
        assert member.name in page
    # Each year's per-capita income (2018: 6,000 ÷ 3; 2019: 12,000 + 3,000 − 1,000 + 500 + 2,500 = 17,000 ÷ 3).
    assert '<strong class="warn">2,000.00</strong>' in page and '<strong>5,666.67</strong>' in page
    assert "3,747.00" in page  # the 2019 working poverty line (rules data)
    # The trajectory: 未脱贫 → 已脱贫 on the deregistration day, with the exit case as its evidence.
    case = household["case"]
    assert "2019-11-12</strong> · 未脱贫 → <strong>已脱贫(享受政策)</strong>" in page
    assert f'<a href="#case-{case.pk}">{case.procedure.name_zh} #{case.pk}</a>' in page
    assert "acknowledgement-signed.jpg" in page
    assert reverse("api:notice-pdf", args=[case.notices.order_by("id").first().pk]) in page
    # Plan, measures with their total, cadre, visit, project and the money that reached the household.
    assert "产业扶贫 · 3,000.00" in page  # planned
    assert "健康扶贫（医疗保障）" in page and "1,200.00" in page and "4,200.00" in page
    assert "王帮扶" in page and "泸水市农业农村局" in page and "了解产业进展" in page
    assert "鲁掌村核桃种植" in page and "800.00" in page
    assert '<strong class="funds-total">5,000.00</strong>' in page and "怒财农〔2019〕3号" in page
    assert reverse("web:household-card", args=[row.pk]) in page
    assert reverse("web:household-assistance", args=[row.pk]) in page
    assistance_page = client.get(reverse("web:household-assistance", args=[row.pk])).content.decode()
    assert reverse("web:household", args=[row.pk]) in assistance_page


def test_a_village_operator_sees_masked_values_and_nothing_is_audited(client, people, household):
    row, events = household["household"], _sensitive_events().count()
    client.force_login(people["village"])
    page = client.get(reverse("web:household", args=[row.pk])).content.decode()
    for member in row.members.all():
        assert member.id_number not in page and _masked_id(member.id_number) in page
    assert "13812345678" not in page and "138****5678" in page
    assert "6222020200112233445" not in page and "6222***********3445" in page
    assert "13900001111" not in page and "139****1111" in page  # the cadre's phone, kept by the county
    assert _sensitive_events().count() == events


def test_a_county_approver_sees_the_values_and_the_look_is_audited(client, people, household):
    row = household["household"]
    client.force_login(people["county"])
    page = client.get(reverse("web:household", args=[row.pk])).content.decode()
    for member in row.members.all():
        assert member.id_number in page
    assert "13812345678" in page and "6222020200112233445" in page and "13900001111" in page
    event = _sensitive_events().get()
    assert event.actor == people["county"] and event.after["count"] == 5  # 3 members, the household, the cadre
    shown = {(item["type"], item["id"]): item["fields"] for item in event.after["shown"]}
    assert shown[("registry.household", row.pk)] == ["phone", "bank_account"]
    assert shown[("registry.member", household["son"].pk)] == ["id_number"]


def test_a_user_granted_elsewhere_gets_404(client, people, household):
    row, events = household["household"], AuditEvent.objects.count()
    client.force_login(people["elsewhere"])
    for name in ("web:household", "web:household-handbook", "web:household-card"):
        assert client.get(reverse(name, args=[row.pk])).status_code == 404, name
    assert AuditEvent.objects.count() == events


def test_the_handbook_pdf(client, people, household):
    row = household["household"]
    client.force_login(people["village"])
    pages, text = _pdf_text(client.get(reverse("web:household-handbook", args=[row.pk])))
    assert pages >= 2  # a cover, then the records
    assert row.number in text and "鲁掌村" in text
    head = row.members.get(relation="01")
    assert _masked_id(head.id_number) in text and head.id_number not in text
    assert "12,000.00 + 3,000.00 − 1,000.00 + 500.00 + 2,500.00 = 17,000.00" in text
    assert "17,000.00 ÷ 3 = 5,666.67" in text and "6,000.00 ÷ 3 = 2,000.00" in text
    assert "5,666.67 > 3,747.00" in text
    assert f"#{household['case'].pk}" in text and "2019-11-12" in text
    assert "王帮扶" in text and "鲁掌村核桃种植" in text and "怒财农〔2019〕3号" in text and "5,000.00" in text
    assert _sensitive_events().count() == 0
    client.force_login(people["county"])
    _pages, text = _pdf_text(client.get(reverse("web:household-handbook", args=[row.pk])))
    assert head.id_number in text
    assert _sensitive_events().get().actor == people["county"]


def test_the_card_is_one_page_with_the_income_calculation(client, people, household):
    row = household["household"]
    client.force_login(people["village"])
    url = reverse("web:household-card", args=[row.pk])
    pages, text = _pdf_text(client.get(url))  # the latest year held: 2019
    assert pages == 1
    assert row.number in text and "王帮扶" in text and "139****1111" in text
    assert "健康扶贫（医疗保障）" in text and "1,200.00" in text and "4,200.00" in text
    assert "12,000.00 + 3,000.00 − 1,000.00 + 500.00 + 2,500.00 = 17,000.00" in text
    assert "17,000.00 ÷ 3 = 5,666.67" in text and "5,666.67 > 3,747.00" in text
    pages, text = _pdf_text(client.get(url, {"year": 2018}))
    assert pages == 1
    assert "6,000.00 + 0.00 − 0.00 + 0.00 + 0.00 = 6,000.00" in text and "2,000.00 ≤ 3,535.00" in text
    assert "4,200.00" not in text  # the 2019 measures are not 2018's
    assert client.get(url, {"year": 2017}).status_code == 404  # no record held for that year


def test_the_card_stays_on_one_page_with_many_measures(client, people, household):
    row, actor = household["household"], system_user()
    other = MeasureType.objects.get(code="other")
    for day in range(1, 21):
        assistance.record_save(actor=actor, kind="delivered", data={
            "household": row, "measure_type": other, "delivered_on": D(2019, 7, day), "amount": Decimal("100")})
    client.force_login(people["village"])
    pages, text = _pdf_text(client.get(reverse("web:household-card", args=[row.pk])))
    assert pages == 1
    assert "6,200.00" in text  # 3,000 + 1,200 + 20 × 100, every measure counted in the total


def test_the_place_is_named_as_far_as_the_reader_may_see(client, people, household):
    """The file names the village with the places above it that the reader's grant reaches (areas' `place_name`)."""
    row = household["household"]
    client.force_login(people["village"])
    page = client.get(reverse("web:household", args=[row.pk])).content.decode()
    assert '<p class="muted">鲁掌村委会</p>' in page and "鲁掌镇" not in page
    client.force_login(people["county"])
    page = client.get(reverse("web:household", args=[row.pk])).content.decode()
    assert '<p class="muted">泸水市 鲁掌镇 鲁掌村委会</p>' in page
