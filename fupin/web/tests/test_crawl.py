"""Issue 25's done-when in a real Chromium: for every demo login on a small world (the analytics scenario's five
villages of 怒江 and 东莞 with the demo accounts), on a desktop and on a 390 × 844 phone, the home page shows the
area's figures and what is due; then a crawler visits every link reachable from the home page (same origin, GET,
bounded, one or two pages per path pattern) in the three languages and finds no server error, no page over 300 KB
and no raw code where a label exists. Screenshots of the key pages go to var/screenshots/."""

import pytest

from fupin.analytics import services
from fupin.analytics.tests import scenario
from fupin.demo.users import DEMO_PASSWORD, ensure_demo_users
from fupin.testing.browser import BROWSER_TEST, screenshot
from fupin.testing.factories import system_user

from .crawl import LANGUAGE_COOKIE, RawCodeCheck, crawl

pytestmark = [*BROWSER_TEST, pytest.mark.slow]

LANGUAGES = ("zh-hans", "zh-hant", "en")
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}


@pytest.fixture
def world(settings, tmp_path):
    """The small world and its demo logins (made before the browser starts its event loop)."""
    settings.ANALYTICS_DIR = tmp_path
    scenario.build()
    logins = [row["username"] for row in ensure_demo_users(actor=system_user())]
    services.rollups_refresh(actor=system_user())
    return {"logins": logins, "check": RawCodeCheck.build()}


def _log_in(context, live_server, username):
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    return page


def _set_language(context, live_server, language):
    context.add_cookies([{"name": LANGUAGE_COOKIE, "value": language, "url": live_server.url}])


def test_every_demo_login_sees_figures_and_due_work_on_desktop_and_phone(world, live_server, browser):
    assert {"admin", "yunnan_analyst", "county_approver", "township_reviewer", "village_operator",
            "evaluator"} <= set(world["logins"])
    for username in world["logins"]:
        for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            context = browser.new_context(viewport=viewport, is_mobile=name == "phone", locale="zh-CN")
            page = _log_in(context, live_server, username)
            assert page.locator("#home-due li[data-due=inbox]").count() == 1, username
            figures = page.locator("#home-figures [data-metric=poor]")
            assert figures.count() == 1 and figures.inner_text().strip() != "", username
            if name == "phone":
                assert page.evaluate("document.documentElement.scrollWidth") <= 400, username
                # The menu is a drawer: closed, the top bar is one line; opened, every entry is there.
                assert page.locator("#main-menu").is_hidden()
                assert page.locator(".topbar").bounding_box()["height"] < 80
                page.click("#menu-toggle")
                assert page.locator("#main-menu").is_visible()
                assert page.locator("#main-menu a").count() >= 5
            screenshot(page, f"home-{username}-{name}")
            context.close()


def test_county_home_counts_and_key_pages_on_a_phone(world, live_server, browser):
    """The county user's home (泸水市: 9 poor, 0.90 % in 2019) and its key pages at 390 px, none wider than the
    screen."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, locale="zh-CN")
    page = _log_in(context, live_server, "county_approver")
    assert page.inner_text("#home-figures [data-metric=poor]") == "9"
    assert page.inner_text("#home-figures [data-metric=incidence]") == "0.90%"
    for name, selector in (("not_visited", "[data-due=not_visited] a"), ("late_projects", "[data-due=late_projects] a"),
                           ("findings", "[data-due=findings] a")):
        page.click(selector)
        page.wait_for_load_state()
        assert page.evaluate("document.documentElement.scrollWidth") <= 400, name
        screenshot(page, f"phone-{name}")
        page.go_back()
    page.goto(f"{live_server.url}/dashboard/533301000000/")
    page.wait_for_selector("body[data-charts-ready]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400
    screenshot(page, "phone-dashboard")
    context.close()


def test_unknown_codes_are_404_pages_in_a_browser(world, live_server, browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = _log_in(context, live_server, "yunnan_analyst")
    for language in ("en", "zh-hans", "zh-hant"):
        _set_language(context, live_server, language)
        response = page.goto(f"{live_server.url}/dashboard/999/")
        assert response.status == 404 and page.locator("#error-page[data-status='404']").count() == 1
        assert page.get_attribute("html", "lang") == language
        assert ("Page not found" in page.inner_text("h1")) == (language == "en")
    screenshot(page, "not-found")
    context.close()


def test_crawler_finds_no_server_error_no_raw_code_and_no_large_page(world, live_server, browser):
    failures, slow = [], []
    for username in world["logins"]:
        context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
        _log_in(context, live_server, username).close()
        found = None
        for language in LANGUAGES:
            _set_language(context, live_server, language)
            # Found in the first language, revisited in the others (PDFs, slow to draw, only in the first).
            again = [url for url in found if ".pdf" not in url] if found else None
            report = crawl(context.request, live_server.url, language=language, check=world["check"],
                           urls=again, max_pages=35, per_pattern=1)
            found = found or report.visited
            slow += [(seconds, f"{username}/{language} {url}") for url, seconds in report.seconds.items()]
            failures += [f"{username}/{language}: {item}" for item in
                         report.errors + report.too_large + report.raw_codes]
        context.close()
        assert len(found) > 10, (username, found)  # the home page's links were followed
    print("slowest pages:", *[f"{seconds:.2f}s {what}" for seconds, what in sorted(slow, reverse=True)[:15]], sep="\n")
    assert failures == [], "\n".join(failures)
