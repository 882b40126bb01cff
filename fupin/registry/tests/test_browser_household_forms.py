"""The new-household form on a phone (390×844) in a real headless Chromium: a village cadre opens it from the
village's page, adds a member row without a page reload, enters a wrong ID number, sees the problem beside that
field with everything typed still there, fixes it, saves and lands on the new household's file."""

import pytest
from django.utils import translation

from fupin.testing.browser import BROWSER_TEST, log_in, screenshot
from fupin.testing.factories import id_number, load_fixture_divisions, make_user

pytestmark = BROWSER_TEST
VILLAGE = "533301102201"
NUMBER = "533301102201021"
HEAD_ID = id_number("533301", "19700305", "011")
SPOUSE_ID = id_number("533301", "19720811", "022")


@pytest.fixture
def cadre():
    """The divisions and a village cadre, made before the browser starts its event loop."""
    load_fixture_divisions()
    make_user(username="cadre", role="village_operator", area=VILLAGE)


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def _height(page, selector: str) -> float:
    return page.locator(selector).bounding_box()["height"]


def test_a_village_cadre_registers_a_household_on_a_phone(cadre, live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    log_in(page, live_server, "cadre")
    page.goto(f"{live_server.url}/areas/{VILLAGE}/")
    page.click("#new-household")
    page.wait_for_selector("#household-form")
    assert page.url == f"{live_server.url}/households/new/?village={VILLAGE}"
    assert _page_width(page) <= 400
    for control in ("#id_number", "#id_attribute", "#id_members-0-name", "#save", "#add-member"):
        assert _height(page, control) >= 44  # big enough to tap
    page.fill("#id_number", NUMBER)
    page.select_option("#id_attribute", "01")
    page.select_option("#id_main_cause", "07")
    page.fill("#id_identified_year", "2019")
    wrong = HEAD_ID[:-1] + ("1" if HEAD_ID[-1] != "1" else "2")
    page.fill("#id_members-0-name", "王大山")
    page.fill("#id_members-0-id_number", wrong)
    # The page has the head's row and one blank row; a third comes without a reload, numbered for the formset.
    page.click("#add-member")
    assert page.locator("#member-rows fieldset.member").count() == 3
    assert page.input_value("#id_members-TOTAL_FORMS") == "3"
    with translation.override("zh-hans"):
        assert page.inner_text("#member-2 legend") == translation.gettext("Member %(number)s") % {"number": 3}
    page.fill("#id_members-2-name", "李小花")
    page.fill("#id_members-2-id_number", SPOUSE_ID)
    page.select_option("#id_members-2-relation", "02")
    page.click("#save")

    page.wait_for_selector("#id_members-0-id_number_error")
    assert page.inner_text("#id_members-0-id_number_error") == "身份证号码的校验码错误。"
    assert page.inner_text("#form-problems") == "记录有错误，未保存任何内容。"
    assert page.locator(".errorlist").count() == 1
    # Beside the field: in the field's own block, right above its input, which says it is invalid.
    field = page.locator("#id_members-0-id_number")
    assert field.get_attribute("aria-invalid") == "true"
    assert page.locator(".field.invalid #id_members-0-id_number_error + #id_members-0-id_number").count() == 1
    error_box, field_box = page.locator("#id_members-0-id_number_error").bounding_box(), field.bounding_box()
    assert 0 <= field_box["y"] - (error_box["y"] + error_box["height"]) < 16
    assert field.input_value() == wrong and page.input_value("#id_members-2-name") == "李小花"
    assert _page_width(page) <= 400
    screenshot(page, "household-form")

    field.fill(HEAD_ID)
    page.click("#save")
    page.wait_for_url("**/households/*/")
    assert page.inner_text("h1") == f"户档案 · {NUMBER}"
    names = page.inner_text("#members tbody")
    assert "王大山" in names and "李小花" in names
    assert HEAD_ID not in names  # a village cadre sees ID numbers masked
