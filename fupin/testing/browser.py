"""What every browser test needs: Debian's Chromium started by Playwright (never a downloaded browser), logging in,
and screenshots of key pages for a person to look at after a run (README: var/screenshots/)."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from fupin.testing.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(django_settings.BASE_DIR) / "var" / "screenshots"
# Browser tests share the live server with the data they made, so each runs in a transaction it can see.
BROWSER_TEST = [pytest.mark.django_db(transaction=True, serialized_rollback=True), pytest.mark.browser]


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def log_in(page, live_server, username: str = "analyst") -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def chromium():
    """The `browser` fixture's body (conftest.py), started after the data fixtures: Playwright runs an event loop in
    this thread, and Django refuses database work from a thread with a running loop."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()
