"""Uploading a 建档立卡 workbook with a bad row in a real browser: all or nothing, the job page says what was
rejected, and the error workbook downloads with each rejected row, its column and the reason."""

import pytest
from python_calamine import CalamineWorkbook

from fupin.core.files.tabular import csv_text
from fupin.testing.browser import BROWSER_TEST, log_in, screenshot
from fupin.testing.factories import id_number, load_fixture_divisions, make_user

pytestmark = BROWSER_TEST
HEADER = ["行政区划代码", "户编号", "年度", "姓名", "证件号码", "与户主关系", "贫困户属性", "主要致贫原因"]


@pytest.fixture
def clerk():
    load_fixture_divisions()
    make_user(username="clerk", actions=["view", "change", "import"], area="533301000000")


def test_upload_with_errors_and_download_the_error_workbook(clerk, live_server, browser, tmp_path):
    upload = tmp_path / "households.csv"
    upload.write_text(csv_text([
        HEADER,
        ["533301102201", "G1", "2019", "张三", id_number(sequence="011"), "户主", "一般贫困户", "缺技术"],
        ["533301102201", "G2", "2019", "错号", "533301198001010011", "户主", "一般贫困户", "缺技术"],
        ["533301102201", "G3", "2019", "无村", id_number(sequence="031"), "户主", "外星户", "缺技术"],
    ]), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    log_in(page, live_server, "clerk")
    page.click("nav >> text=导入")
    page.set_input_files("input[name=file]", str(upload))
    page.click("button[type=submit] >> text=上传并导入")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("#errors-download")
    status = page.inner_text("#job-status")
    assert "导入贫困户" in status and "已完成" in status
    assert page.locator("tr", has_text="拒绝行数").inner_text().split()[-1] == "2"
    assert page.locator("tr", has_text="已写入").inner_text().split()[-1] == "否"  # all or nothing
    screenshot(page, "import-errors")
    with page.expect_download() as download:
        page.click("#errors-download")
    saved = tmp_path / "errors.xlsx"
    download.value.save_as(saved)
    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    # Each rejected row as the user wrote it, with its row number, the column and the reason beside it.
    rejected = {row[0]: row for row in rows[1:]}
    assert sorted(rejected) == [3, 4]
    assert rejected[3][1:9] == ["533301102201", "G2", "2019", "错号", "533301198001010011", "户主", "一般贫困户",
                                "缺技术"]
    assert rows[0][-2:] == ["错误原因", "Reason"]
    assert rejected[3][-2].startswith("证件号码: ") and "校验码" in rejected[3][-2]
    assert rejected[3][-1].startswith("证件号码: ") and "check digit" in rejected[3][-1]
    assert rejected[4][-2].startswith("贫困户属性: ") and "外星户" in rejected[4][-2]
