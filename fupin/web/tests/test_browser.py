"""The pages in a real headless Chromium (Debian's /usr/bin/chromium driven by Playwright; no browser download):
log in, read the dashboard with its charts drawn, drill down, switch language, on a phone-sized screen too."""

import pytest

from fupin.analytics import services
from fupin.analytics.tests import scenario
from fupin.testing.browser import BROWSER_TEST, log_in, screenshot
from fupin.testing.factories import make_user, system_user

pytestmark = BROWSER_TEST


@pytest.fixture
def registry(settings, tmp_path):
    settings.ANALYTICS_DIR = tmp_path
    scenario.build()
    services.rollups_refresh(actor=system_user())
    make_user(username="analyst", role="province_analyst", area="530000000000")


def test_dashboard_in_a_browser(registry, live_server, browser, tmp_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    log_in(page, live_server)
    page.click("text=统计分析")
    page.wait_for_selector("body[data-charts-ready]")
    assert page.url.endswith("/dashboard/530000000000/")
    assert page.inner_text("[data-metric=poor]") == "11"
    assert int(page.get_attribute("body", "data-charts-ready")) >= 3
    assert page.locator("#trend-chart canvas").count() == 1
    screenshot(page, "dashboard")
    page.click("#children >> text=怒江傈僳族自治州")
    page.wait_for_selector("body[data-charts-ready]")
    assert "怒江傈僳族自治州 · 2019" in page.inner_text("h1")
    for name, code in (("泸水市", "533301000000"), ("鲁掌镇", "533301102000"), ("鲁掌村委会", "533301102201")):
        page.click(f"#children >> text={name}")  # on down to the village
        page.wait_for_url(lambda url, code=code: f"/dashboard/{code}/" in url)
        page.wait_for_selector("body[data-charts-ready]")
        assert f"{name} · 2019" in page.inner_text("h1")
    assert page.inner_text("[data-metric=poor]") == "4"  # 鲁掌村's H1 (3 and a baby born in 2019; H2 exited)
    page.select_option("#language-form select", "en")
    page.wait_for_selector("text=Poverty incidence")
    assert "Registered poor" in page.inner_text("#headline")


def test_dashboard_on_a_phone(registry, live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/533300000000/")
    page.wait_for_selector("body[data-charts-ready]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing wider than the screen


@pytest.fixture
def delayed_project(registry):
    """A project 59 days past its 申报 stage on 2019-03-31 (made before the browser starts its event loop)."""
    import datetime

    from fupin.areas.models import Area
    from fupin.projects.services import project_save

    project_save(actor=system_user(), data={
        "name": "鲁掌村道路", "type": "infrastructure", "area": Area.objects.get(code="533301000000"), "year": 2019,
        "stages": {"apply": {"planned_start": datetime.date(2019, 1, 1), "planned_end": datetime.date(2019, 1, 31)}}})


def test_helping_side_in_a_browser(delayed_project, live_server, browser):
    """From the dashboard to the area's helping-side cards, then to its project delays (red), in Chinese and in
    English."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/533300000000/")
    page.click("text=帮扶工作")
    page.wait_for_selector("#card-personnel")
    assert page.locator("#card-funds tr[data-key=share_fiscal_to_deep]").count() == 1
    page.click("text=项目进度预警")
    page.fill("input[name=on]", "2019-03-31")
    page.click("button[type=submit] >> text=显示")
    assert page.locator("tr.delay-red >> text=鲁掌村道路").count() == 1
    page.select_option("#language-form select", "en")
    page.wait_for_selector("text=Project delays")
    assert page.inner_text("tr.delay-red .badge") == "red"


@pytest.fixture
def pairing(registry):
    """东莞 helps 泸水 (made before the browser starts its event loop)."""
    import datetime

    from fupin.areas.models import Area
    from fupin.cooperation import services as cooperation
    from fupin.cooperation.models import Programme

    actor = system_user()
    cooperation.pairing_save(actor=actor, data={
        "programme": Programme.objects.get(code="hand_in_hand"), "start_date": datetime.date(2017, 1, 1),
        "helper": cooperation.party_for_area(actor=actor, area=Area.objects.get(code="441900000000")),
        "helped": cooperation.party_for_area(actor=actor, area=Area.objects.get(code="533301000000"))})


def test_maps_in_a_browser(pairing, live_server, browser):
    """The prefecture's choropleth is drawn from the boundary endpoint (its counties' shapes), a click on a county
    drills down, and the pairing page draws the flow from 东莞 to 泸水."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/dashboard/533300000000/")
    page.wait_for_selector("#map-chart[data-features]")
    assert int(page.get_attribute("#map-chart", "data-features")) >= 2
    assert page.locator("#map-chart canvas").count() == 1
    screenshot(page, "dashboard-map")
    page.goto(f"{live_server.url}/cooperation/533300000000/")
    page.wait_for_selector("#pairing-map[data-flows]")
    assert page.get_attribute("#pairing-map", "data-flows") == "1"
    assert "东莞市" in page.inner_text("#pairings")
    screenshot(page, "pairings")


def test_search_by_pinyin_opens_the_household_file(registry, live_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN")
    log_in(page, live_server)
    page.goto(f"{live_server.url}/search/")
    page.fill("input[name=q]", "chengyuan")  # 成员… in pinyin
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("#results")
    assert page.locator("#results tbody tr").count() >= 1
    page.click("#results tbody tr:first-child a")
    page.wait_for_url("**/households/*/")
    assert "成员" in page.inner_text("body")
    screenshot(page, "household-file")


@pytest.fixture
def yunnan(settings, tmp_path):
    """The Yunnan demo at 1 % with its rollups, and a province analyst."""
    from fupin.demo.tests.test_yunnan import yunnan_demo

    settings.ANALYTICS_DIR = tmp_path
    yunnan_demo()
    services.rollups_refresh(actor=system_user())
    make_user(username="analyst", role="province_analyst", area="530000000000")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_yunnan_dashboards_show_incidence_map_and_charts(yunnan, live_server, browser):
    """The demo's Yunnan has a rural population in every village its people live in: the province's and 泸水's
    dashboards show their incidence, the trend, the areas below and (for the province) the map, filled."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    log_in(page, live_server)
    for code, incidence in (("530000000000", "2.41%"), ("533301000000", None)):
        page.goto(f"{live_server.url}/dashboard/{code}/")
        page.wait_for_selector("body[data-charts-ready]")
        shown = page.inner_text("[data-metric=incidence]")
        assert shown.endswith("%") and (incidence is None or shown == incidence), shown
        assert page.locator("#trend-chart canvas").count() == 1
        assert page.locator("#children-chart canvas").count() == 1
        rows = page.locator("#children tbody tr")
        assert rows.count() > 0 and all(rows.nth(k).inner_text().count("%") for k in range(rows.count()))
    page.goto(f"{live_server.url}/dashboard/530000000000/")
    page.wait_for_selector("#map-chart[data-features]")
    assert int(page.get_attribute("#map-chart", "data-features")) > 0
    screenshot(page, "dashboard-yunnan")
