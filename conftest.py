"""Settings every test starts from."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def default_language():
    # The test client leaves the language of its last request active in the thread; each test starts from the
    # default (zh-Hans), so messages do not depend on which test ran before on the same worker.
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_cache():
    # Login throttling counts failures in the cache; one test's failed logins must not lock out the next test's.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def clock(monkeypatch):
    """The system's day, moved forward with `clock.advance(days, months=)` as real time passes."""
    from fupin.testing.clock import Clock

    return Clock(monkeypatch)


@pytest.fixture
def browser():
    """Debian's Chromium through Playwright, for the browser tests of every app (fupin.testing.browser)."""
    from fupin.testing.browser import chromium

    yield from chromium()
