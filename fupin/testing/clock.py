"""The system's day as tests move it, and refusals read in English (fupin.core.temporal is the one clock)."""

import datetime

from django.utils import translation

from fupin.core import temporal


class Clock:
    """The system's day, moved forward as real time passes (`temporal.today` patched)."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.start = self.today = temporal.today()

    def advance(self, days: int = 0, *, months: int = 0) -> datetime.date:
        self.today = temporal.add_months(self.start, months) + datetime.timedelta(days=days)
        self.monkeypatch.setattr(temporal, "today", lambda: self.today)
        return self.today


def english(refused) -> str:
    """A refusal's message in English (`refused`: pytest's ExceptionInfo of a ServiceError)."""
    with translation.override("en"):
        return str(refused.value)
