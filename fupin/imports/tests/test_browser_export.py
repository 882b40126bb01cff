"""An export in a real headless Chromium: choose the area, year and format, wait for the job, download the file
and read it back."""

import pytest
from python_calamine import CalamineWorkbook

from fupin.registry.exporting import HEADERS
from fupin.testing.browser import BROWSER_TEST, log_in, screenshot
from fupin.testing.factories import load_fixture_divisions, make_user, register_poor_household

pytestmark = BROWSER_TEST


@pytest.fixture
def exporter():
    """Five members in 泸水 and one in 福贡, and a county officer of 泸水 (made before the browser starts)."""
    load_fixture_divisions()
    register_poor_household(area="533301102201", size=3)
    register_poor_household(area="533301001201", size=2)
    register_poor_household(area="533323101201", size=1)
    make_user(username="officer", actions=["view", "export", "view_sensitive"], area="533301000000")


def test_export_households_and_download_the_workbook(exporter, live_server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN", accept_downloads=True)
    log_in(page, live_server, "officer")
    page.click("nav >> a[href='/exports/households/']")
    page.wait_for_url(f"{live_server.url}/exports/households/")
    assert page.locator("select[name=area] option").all_inner_texts() == [
        "泸水市 (533301000000)", "— 六库街道 (533301001000)", "— 鲁掌镇 (533301102000)"]
    page.select_option("select[name=area]", "533301000000")
    page.fill("input[name=year]", "2019")
    page.select_option("select[name=format]", "xlsx")
    page.click("#export-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/jobs/*/")
    page.wait_for_selector("#export-download", timeout=30_000)  # the status fragment polls until the job is done
    assert "households-533301000000-2019.xlsx" in page.inner_text("#job-status")
    screenshot(page, "export")
    with page.expect_download() as download_info:
        page.click("#export-download")
    download = download_info.value
    assert download.suggested_filename == "households-533301000000-2019.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert sheet[0] == HEADERS
    assert len(sheet) - 1 == 5
    assert {row[0] for row in sheet[1:]} == {"533301102201", "533301001201"}
