"""Submitting and approving a procedure with its public notices in a real headless Chromium, on a phone-sized
screen: a village operator submits a household's identification (贫困户识别) and takes it through the village's
steps and 村公示; the township reviewer approves its review, publishes the 乡镇公示, reads it (no ID number on the
page or in the PDF) and, the notice period having run, approves the step; the case moves on to the county."""

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from fupin.core import temporal
from fupin.testing.browser import BROWSER_TEST, log_in, screenshot
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household
from fupin.workflows.models import Procedure

pytestmark = BROWSER_TEST
VILLAGE, TOWNSHIP = "533301102201", "533301102000"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}


@pytest.fixture
def applicant():
    """Users and a household applying to be identified, made before the browser starts its event loop; the
    browser part reads the database only through the pages."""
    load_fixture_divisions()
    make_user(username="cun", role="village_operator", area=VILLAGE)
    make_user(username="xiang", role="township_reviewer", area=TOWNSHIP)
    household = register_poor_household(area=VILLAGE, size=3, income_per_capita="2500", status="5",
                                        phone="13812345678", bank_account="6222020200112233445")
    today = timezone.localdate()
    return {"number": household.number, "head": household.members.get(relation="01").name,
            "id_numbers": list(household.members.values_list("id_number", flat=True)),
            "procedure": Procedure.objects.get(code="household_identification").pk,
            # Published on the system's day; the test moves the system's clock on a week after each notice.
            "village_notice_on": today,
            "township_notice_on": today + datetime.timedelta(days=7)}


def decide(page, step: str, evidence: str = "") -> None:
    card = page.locator(f"article.case[data-step={step}]")
    if evidence:
        card.locator("textarea[name=evidence]").fill(evidence)
    card.locator("button[value=approve]").click()
    page.wait_for_load_state()


def publish(page, step: str, publisher: str, on: datetime.date) -> None:
    form = page.locator(f"form.publish[data-step={step}]")
    form.locator("input[name$=-publisher]").fill(publisher)
    form.locator("input[name$=-objection_contact]").fill("镇扶贫工作站")
    form.locator("input[type=date]").fill(on.isoformat())
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/notices/*/")


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 400


def a_week_after(monkeypatch, published: datetime.date) -> None:
    """The system's clock (the live server runs in this process) a week after a notice was published."""
    monkeypatch.setattr(temporal, "today", lambda: published + datetime.timedelta(days=7))


def open_inbox(page) -> None:
    """The inbox from the menu, which on a phone is a drawer opened first."""
    page.click("#menu-toggle")
    page.click("header nav a[href='/inbox/']")


def test_submit_and_approve_a_step_with_a_public_notice(applicant, live_server, browser, monkeypatch):
    village = browser.new_context(**PHONE).new_page()
    log_in(village, live_server, "cun")
    open_inbox(village)
    village.click("a[href='/inbox/start/']")
    village.select_option("select[name=procedure]", str(applicant["procedure"]))
    village.fill("input[name=household]", applicant["number"])
    village.click("#case-start button[type=submit]")
    village.wait_for_url("**/inbox/#case-*")
    case = village.get_attribute("article.case[data-step=apply]", "data-case")
    assert f"#{case}" in village.inner_text("main .message")
    decide(village, "apply", evidence="申请书.jpg")
    decide(village, "review")
    decide(village, "verify")
    publish(village, "village_notice", "鲁掌村村民委员会", applicant["village_notice_on"])
    a_week_after(monkeypatch, applicant["village_notice_on"])
    open_inbox(village)
    decide(village, "village_notice")
    assert "乡镇审核" in village.inner_text("main .message")  # the case went on to the township
    assert village.locator(f"article.case[data-case='{case}']").count() == 0

    township = browser.new_context(**PHONE).new_page()
    log_in(township, live_server, "xiang")
    township.goto(f"{live_server.url}/inbox/")
    assert township.locator("article.case").count() == 1
    decide(township, "township_review")
    assert township.locator(f"form.publish[data-step=township_notice] input[value='{case}']").is_checked()
    screenshot(township, "inbox")
    assert fits_the_screen(township)
    publish(township, "township_notice", "鲁掌镇人民政府", applicant["township_notice_on"])
    notice_url = township.url
    text = township.frame_locator("iframe.notice-text").locator("body").inner_text()
    assert applicant["number"] in text and applicant["head"] in text and "乡镇公示" in text
    screenshot(township, "notice")
    assert fits_the_screen(township)
    pdf = township.request.get(live_server.url + township.get_attribute("a[href$='notice.pdf']", "href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert applicant["number"] in pdf_text and applicant["head"] in pdf_text
    page_html = township.content()
    for id_number in applicant["id_numbers"]:
        assert id_number not in text and id_number not in pdf_text and id_number not in page_html
    assert "13812345678" not in pdf_text + page_html and "6222020200112233445" not in pdf_text + page_html

    a_week_after(monkeypatch, applicant["township_notice_on"])
    open_inbox(township)
    row = township.locator(f"article.case[data-case='{case}']")
    assert applicant["township_notice_on"].isoformat() in row.inner_text()
    decide(township, "township_notice")
    assert "县审定" in township.inner_text("main .message")
    assert township.locator("article.case").count() == 0
    township.goto(notice_url)
    assert "县审定" in township.inner_text(f"#notice-cases li[data-case='{case}']")
