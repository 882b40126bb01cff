"""Fixtures of the web tests: the browser (fupin.web.tests.browsing)."""

from fupin.web.tests.browsing import browser  # noqa: F401  (a fixture, found by name)
